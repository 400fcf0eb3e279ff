import net from 'node:net';

/** A TCP proxy in front of the database that a test can take down and bring back. */
export interface TcpProxy {
  readonly port: number;
  /** The database URL through the proxy. */
  url(databaseUrl: string): string;
  /** Refuses new connections and cuts every open one, like a database going away. */
  stop(): Promise<void>;
  /** Accepts connections again on the same port. */
  start(): Promise<void>;
  /**
   * Arms a cut: the first connection that carries `marker` and then (in that chunk or a later one)
   * sends a `COMMIT` is cut before the server's answer reaches the client. With `deliver` the chunk
   * holding the `COMMIT` reaches the server first (it commits; the client never hears it), else it
   * is dropped with the connection (the server rolls back). Resolves once the cut happened.
   */
  cutAtCommit(marker: string, deliver: boolean): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy on a free local port forwarding to `targetHost:targetPort`. */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let trap: { marker: string; deliver: boolean; cut: () => void } | undefined;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    let marked = false;
    let cutting = false;
    client.on('data', (chunk: Buffer) => {
      marked ||= trap !== undefined && chunk.includes(trap.marker);
      if (!marked || !trap || !chunk.includes('COMMIT')) return void upstream.write(chunk);
      const { deliver, cut } = trap;
      trap = undefined;
      cutting = true;
      upstream.unpipe(client);
      client.destroy();
      // The server reads the COMMIT before the end of the connection, so it commits.
      if (deliver) upstream.write(chunk, () => setTimeout(() => upstream.destroy(), 200));
      else upstream.destroy();
      cut();
    });
    upstream.pipe(client);
    client.on('close', () => {
      if (!cutting) upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const stop = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return {
    port,
    url: (databaseUrl) => {
      const url = new URL(databaseUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    stop,
    start: () => listen(port),
    cutAtCommit: (marker, deliver) => new Promise<void>((cut) => (trap = { marker, deliver, cut })),
    close: async () => {
      if (server.listening) await stop();
    },
  };
}
