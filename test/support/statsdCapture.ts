import dgram from 'node:dgram';

/** One DogStatsD line as the Agent would read it: `name:value|type|#tag:value,…`. */
export interface StatsdLine {
  raw: string;
  name: string;
  value: number;
  type: string;
  tags: Record<string, string>;
}

export function parseStatsdLine(raw: string): StatsdLine {
  const [head = '', type = '', ...rest] = raw.split('|');
  const colon = head.lastIndexOf(':');
  const tagPart = rest.find((p) => p.startsWith('#'));
  const tags = Object.fromEntries(
    (tagPart ? tagPart.slice(1).split(',') : []).map((t) => {
      const i = t.indexOf(':');
      return i < 0 ? [t, ''] : [t.slice(0, i), t.slice(i + 1)];
    }),
  );
  return { raw, name: head.slice(0, colon), value: Number(head.slice(colon + 1)), type, tags };
}

export interface StatsdCapture {
  port: number;
  /** Every line received so far (a datagram may carry several, newline-separated). */
  lines(): StatsdLine[];
  /** Raw datagrams as received, for scanning. */
  datagrams(): string[];
  close(): Promise<void>;
}

/** A UDP listener on a free loopback port standing in for the Datadog Agent's DogStatsD server. */
export async function startStatsdCapture(): Promise<StatsdCapture> {
  const socket = dgram.createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (msg) => received.push(msg.toString('utf8')));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    datagrams: () => [...received],
    lines: () => received.flatMap((d) => d.split('\n')).filter(Boolean).map(parseStatsdLine),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
