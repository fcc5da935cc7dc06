/**
 * A TCP load balancer in front of platform nodes, as a deployment has one: each new connection goes to the
 * first node in its list that accepts it, so when a node stops, its clients reconnect to the next one. No
 * stickiness: the web app speaks WebSocket only, and any node serves any request.
 */
import net from 'node:net';

export interface FailoverProxy {
  url: string;
  close(): Promise<void>;
}

/** `backends`: the nodes' URLs (http://host:port), in order of preference, read at each connection. */
export async function startFailoverProxy(backends: () => string[]): Promise<FailoverProxy> {
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    client.pause();
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    const candidates = backends().map((u) => new URL(u));
    const tryNext = () => {
      const next = candidates.shift();
      if (!next) return client.destroy();
      const upstream = net.connect({ host: next.hostname, port: Number(next.port) });
      let connected = false;
      upstream.on('error', () => {
        upstream.destroy();
        // Refused (the node is down): the next one; broken later: the client reconnects by itself.
        if (connected) client.destroy();
        else tryNext();
      });
      upstream.once('connect', () => {
        connected = true;
        open.add(upstream);
        upstream.once('close', () => {
          open.delete(upstream);
          client.destroy();
        });
        client.once('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    tryNext();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
