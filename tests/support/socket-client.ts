/** A logged-in socket.io client for tests: records every event it receives, sends with acks. */
import { connect, type Socket } from 'socket.io-client';
import { HttpClient } from './platform.ts';
import { PASSWORD, type UserKey } from './world.ts';

export type Reply = { ok: true; data: any } | { ok: false; error: { code: string; message: string } };

export interface TestSocketClient {
  socket: Socket;
  events: Array<[string, any]>;
  send: (event: string, msg: unknown) => Promise<Reply>;
  http: HttpClient;
  cookie: string;
}

/** Connects as `username`; the socket is added to `opened` so the test can close them all. */
export async function connectClient(url: string, username: UserKey, opened: Socket[]): Promise<TestSocketClient> {
  const http = new HttpClient(url);
  const cookie = (await http.login(username, PASSWORD)).setCookie!.split(';')[0]!;
  const socket = connect(url, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
  opened.push(socket);
  const events: Array<[string, any]> = [];
  socket.onAny((event, payload) => events.push([event, payload]));
  await new Promise<void>((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const send = (event: string, msg: unknown) => socket.timeout(20_000).emitWithAck(event, msg) as Promise<Reply>;
  return { socket, events, send, http, cookie };
}
