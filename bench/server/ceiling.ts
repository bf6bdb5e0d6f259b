import { createServer, type Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { newId } from '../../src/server/ids.js';
import { encodeServerFrame as frame } from '../ws-frames.js';

/** A connection of the ceiling server: its socket and the frames waiting for the end of the turn. */
interface Peer {
  ws: WebSocket;
  raw: Socket;
  queue: Buffer[];
  nick: string;
}

/**
 * The ceiling: a bare `ws` server speaking just enough of protocol v1 (hello, join, say) to run the
 * bench. Each broadcast is framed once, and each connection gets one socket write per event-loop turn
 * holding everything queued for it. No validation, limits, history or presence: what is left is the
 * cost of moving bytes.
 */
export async function startCeiling(): Promise<HttpServer> {
  const http = createServer();
  const wss = new WebSocketServer({
    server: http,
    path: '/ws',
    perMessageDeflate: false,
    clientTracking: false,
  });
  const rooms = new Map<string, { seq: number; members: Set<Peer> }>();
  let dirty: Peer[] = [];
  let counter = 0;
  const flush = () => {
    const list = dirty;
    dirty = [];
    for (const peer of list) {
      const queue = peer.queue;
      peer.queue = [];
      peer.raw.write(queue.length === 1 ? (queue[0] as Buffer) : Buffer.concat(queue));
    }
  };
  const send = (peer: Peer, buf: Buffer) => {
    if (peer.queue.length === 0) {
      if (dirty.length === 0) setImmediate(flush);
      dirty.push(peer);
    }
    peer.queue.push(buf);
  };
  wss.on('connection', (ws, req) => {
    const peer: Peer = { ws, raw: req.socket, queue: [], nick: `ws-${++counter}` };
    const joined = new Set<string>();
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { type: string; id?: number; room?: string; text?: string };
      if (msg.type === 'hello') {
        send(peer, frame(JSON.stringify({ type: 'welcome', v: 1, session: newId('s'), nick: peer.nick })));
      } else if (msg.type === 'join' && msg.room) {
        let room = rooms.get(msg.room);
        if (!room) {
          room = { seq: 0, members: new Set() };
          rooms.set(msg.room, room);
        }
        room.members.add(peer);
        joined.add(msg.room);
        send(peer, frame(JSON.stringify({ type: 'ack', id: msg.id })));
      } else if (msg.type === 'say' && msg.room && msg.text) {
        const room = rooms.get(msg.room);
        if (!room) return;
        const out = {
          type: 'message',
          room: msg.room,
          seq: ++room.seq,
          msgId: newId('m'),
          from: peer.nick,
          text: msg.text,
          ts: Date.now(),
        };
        const buf = frame(JSON.stringify(out));
        for (const member of room.members) send(member, buf);
        send(peer, frame(JSON.stringify({ type: 'ack', id: msg.id, seq: out.seq, msgId: out.msgId })));
      }
    });
    ws.on('close', () => {
      for (const name of joined) rooms.get(name)?.members.delete(peer);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return http;
}
