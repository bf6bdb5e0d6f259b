import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { newId } from '../../src/server/ids.js';
import { encodeServerFrame as frame } from '../ws-frames.js';

/** One outgoing protocol frame, encoded at most once per wire format however many peers it goes to. */
class Outgoing {
  private ws?: Buffer;
  private packet?: string;
  constructor(readonly json: string) {}
  /** The frame as a WebSocket text frame. */
  wsFrame(): Buffer {
    this.ws ??= frame(this.json);
    return this.ws;
  }
  /** The frame as an engine.io `message` packet. */
  eioPacket(): string {
    this.packet ??= `4${this.json}`;
    return this.packet;
  }
}

/** A connection of the ceiling server: what it was sent this turn goes out once, at the end of the turn. */
interface Peer {
  nick: string;
  queue: Outgoing[];
  /** Writes the turn's frames: one socket write (WebSocket) or one poll answer (polling). */
  flush(frames: Outgoing[]): void;
}

/** engine.io's packet separator in a polling body. */
const SEPARATOR = '\x1e';

/**
 * The ceiling: a bare `ws` server at `/ws`, and a bare `node:http` engine.io v4 long-polling endpoint at
 * `/engine.io/`, speaking just enough of protocol v1 (hello, join, say) to run the bench. Each broadcast is
 * encoded once per wire format, and each connection gets one socket write (one poll answer) per
 * event-loop turn holding everything queued for it. No validation, limits, heartbeats, upgrades, history or
 * presence: what is left is the cost of moving bytes through Node's `net`, `http` and `ws`.
 */
export async function startCeiling(): Promise<HttpServer> {
  const http = createServer();
  const wss = new WebSocketServer({
    server: http,
    path: '/ws',
    perMessageDeflate: false,
    clientTracking: false,
  });
  const rooms = new Map<string, Set<Peer>>();
  const seqs = new Map<string, number>();
  let dirty: Peer[] = [];
  let counter = 0;
  const flush = () => {
    const list = dirty;
    dirty = [];
    for (const peer of list) {
      const queue = peer.queue;
      peer.queue = [];
      peer.flush(queue);
    }
  };
  const send = (peer: Peer, out: Outgoing) => {
    if (peer.queue.length === 0) {
      if (dirty.length === 0) setImmediate(flush);
      dirty.push(peer);
    }
    peer.queue.push(out);
  };
  const reply = (peer: Peer, body: object) => send(peer, new Outgoing(JSON.stringify(body)));

  /** The protocol v1 subset, for a peer of either wire; `joined` collects its rooms, for its close. */
  const onMessage = (peer: Peer, joined: Set<string>, text: string) => {
    const msg = JSON.parse(text) as { type: string; id?: number; room?: string; text?: string };
    if (msg.type === 'hello') {
      reply(peer, { type: 'welcome', v: 1, session: newId('s'), nick: peer.nick });
    } else if (msg.type === 'join' && msg.room) {
      let room = rooms.get(msg.room);
      if (!room) {
        room = new Set();
        rooms.set(msg.room, room);
      }
      room.add(peer);
      joined.add(msg.room);
      reply(peer, { type: 'ack', id: msg.id });
    } else if (msg.type === 'say' && msg.room && msg.text) {
      const room = rooms.get(msg.room);
      if (!room) return;
      const seq = (seqs.get(msg.room) ?? 0) + 1;
      seqs.set(msg.room, seq);
      const msgId = newId('m');
      const out = new Outgoing(
        JSON.stringify({
          type: 'message',
          room: msg.room,
          seq,
          msgId,
          from: peer.nick,
          text: msg.text,
          ts: Date.now(),
        }),
      );
      for (const member of room) send(member, out);
      reply(peer, { type: 'ack', id: msg.id, seq, msgId });
    }
  };
  const leave = (peer: Peer, joined: Set<string>) => {
    for (const name of joined) rooms.get(name)?.delete(peer);
  };

  wss.on('connection', (ws, req) => {
    const raw = req.socket as Socket;
    const peer: Peer = {
      nick: `ws-${++counter}`,
      queue: [],
      flush(frames) {
        raw.write(
          frames.length === 1
            ? (frames[0] as Outgoing).wsFrame()
            : Buffer.concat(frames.map((f) => f.wsFrame())),
        );
      },
    };
    const joined = new Set<string>();
    ws.on('message', (data) => onMessage(peer, joined, data.toString()));
    ws.on('close', () => leave(peer, joined));
  });

  /** Long-polling sessions by sid. */
  const sessions = new Map<string, PollingPeer>();
  const answer = (res: ServerResponse, body: string) => {
    res.writeHead(200, {
      'content-type': 'text/plain; charset=UTF-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };
  class PollingPeer implements Peer {
    nick = `poll-${++counter}`;
    queue: Outgoing[] = [];
    readonly joined = new Set<string>();
    /** Packets of past turns that found no poll waiting. */
    private backlog: string[] = [];
    private poll?: ServerResponse;
    flush(frames: Outgoing[]): void {
      for (const f of frames) this.backlog.push(f.eioPacket());
      this.answer();
    }
    onPoll(res: ServerResponse): void {
      this.poll = res;
      this.answer();
    }
    private answer(): void {
      if (!this.poll || this.backlog.length === 0) return;
      const body = this.backlog.join(SEPARATOR);
      this.backlog = [];
      const res = this.poll;
      this.poll = undefined;
      answer(res, body);
    }
  }
  const onPost = (peer: PollingPeer, sid: string, req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      for (const packet of body.split(SEPARATOR)) {
        if (packet[0] === '4') onMessage(peer, peer.joined, packet.slice(1));
        else if (packet === '1') {
          leave(peer, peer.joined);
          sessions.delete(sid);
        }
      }
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': 2 });
      res.end('ok');
    });
  };
  http.on('request', (req, res) => {
    const url = req.url ?? '/';
    if (!url.startsWith('/engine.io/?')) {
      res.writeHead(404);
      res.end();
      return;
    }
    // The bench's client puts the sid last: no general query parsing needed.
    const at = url.indexOf('&sid=');
    const sid = at === -1 ? undefined : url.slice(at + 5);
    if (sid === undefined) {
      const id = newId('p');
      sessions.set(id, new PollingPeer());
      answer(
        res,
        `0${JSON.stringify({ sid: id, upgrades: [], pingInterval: 25000, pingTimeout: 20000, maxPayload: 1e6 })}`,
      );
      return;
    }
    const peer = sessions.get(sid);
    if (!peer) {
      res.writeHead(400);
      res.end();
    } else if (req.method === 'POST') onPost(peer, sid, req, res);
    else peer.onPoll(res);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return http;
}
