import { createServer, type Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { ChatMessage } from '../../src/protocol/schemas.js';
import { newId } from '../../src/server/ids.js';

/** Messages kept per room, as Switchboard's default history. */
const HISTORY = 1000;

/**
 * The socket.io peer: the same chat work as Switchboard's `say` (sequence, store in a bounded history,
 * broadcast to the room, ack with seq and msgId) with socket.io's own room broadcast, default settings
 * except compression (off, as in Switchboard).
 */
export async function startSocketIo(): Promise<HttpServer> {
  const http = createServer();
  const io = new Server(http, {
    serveClient: false,
    perMessageDeflate: false,
    httpCompression: false,
    transports: ['polling', 'websocket'],
  });
  const rooms = new Map<string, { seq: number; history: ChatMessage[] }>();
  let counter = 0;
  io.on('connection', (socket) => {
    const nick = `sio-${++counter}`;
    socket.on('join', (room: unknown, ack?: (reply: unknown) => void) => {
      if (typeof room !== 'string') return;
      socket.join(room);
      ack?.({ members: io.sockets.adapter.rooms.get(room)?.size ?? 0 });
    });
    socket.on('say', (frame: { room?: unknown; text?: unknown }, ack?: (reply: unknown) => void) => {
      const { room, text } = frame ?? {};
      if (typeof room !== 'string' || typeof text !== 'string' || !socket.rooms.has(room)) return;
      let log = rooms.get(room);
      if (!log) {
        log = { seq: 0, history: [] };
        rooms.set(room, log);
      }
      const message: ChatMessage = {
        room,
        seq: ++log.seq,
        msgId: newId('m'),
        from: nick,
        text,
        ts: Date.now(),
      };
      log.history[(message.seq - 1) % HISTORY] = message;
      io.to(room).emit('message', message);
      ack?.({ seq: message.seq, msgId: message.msgId });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return http;
}
