import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { waitUntil } from './wait-until.js';

/** An acknowledgement the bot sent back over the socket. */
export interface SocketAck {
  envelope_id: string;
  payload?: unknown;
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * Slack's socket-mode endpoint, locally: a WebSocket server (RFC 6455, text frames, ping/pong and
 * close, written out here because the project has no WebSocket server package) that greets each
 * connection with `hello`, pushes envelopes the test hands it and records the bot's acks. The bot
 * connects with the real @slack/socket-mode client after the fake Web API's apps.connections.open.
 */
export class FakeSocketMode {
  readonly acks: SocketAck[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly listeners = new Set<() => void>();
  private connections = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeSocketMode> {
    const server = createServer((_request, response) => {
      response.writeHead(426);
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeSocketMode(server, `ws://127.0.0.1:${port}/link/?ticket=test-ticket`);
    server.on('upgrade', (request, socket: Socket) => fake.accept(request.headers['sec-websocket-key'], socket));
    return fake;
  }

  /** How many times a client completed the handshake. */
  get connectionCount(): number {
    return this.connections;
  }

  /** Sends an events_api envelope (an Events API body) and returns its envelope_id. */
  sendEvent(body: Record<string, unknown>, options: { retryAttempt?: number; envelopeId?: string } = {}): string {
    const envelopeId = options.envelopeId ?? randomUUID();
    this.broadcast({
      envelope_id: envelopeId,
      type: 'events_api',
      payload: body,
      accepts_response_payload: false,
      retry_attempt: options.retryAttempt ?? 0,
      retry_reason: options.retryAttempt ? 'timeout' : '',
    });
    return envelopeId;
  }

  /** Sends an interactive (block_actions) or slash_commands envelope. */
  sendPayload(type: 'interactive' | 'slash_commands', payload: Record<string, unknown>): string {
    const envelopeId = randomUUID();
    this.broadcast({ envelope_id: envelopeId, type, payload, accepts_response_payload: type === 'slash_commands' });
    return envelopeId;
  }

  waitForAck(envelopeId: string, timeoutMs = 5_000): Promise<SocketAck> {
    return this.until(() => this.acks.find((ack) => ack.envelope_id === envelopeId), timeoutMs, `ack of ${envelopeId}`);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(key: string | undefined, socket: Socket): void {
    if (key === undefined) {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    this.sockets.add(socket);
    this.connections += 1;
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => this.sockets.delete(socket));
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const frame = readFrame(buffered);
        if (frame === undefined) break;
        buffered = buffered.subarray(frame.length);
        this.onFrame(socket, frame.opcode, frame.payload);
      }
    });
    socket.write(frameOf(1, Buffer.from(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0TEST0001' } }))));
    this.notify();
  }

  private onFrame(socket: Socket, opcode: number, payload: Buffer): void {
    if (opcode === 0x1) {
      this.acks.push(JSON.parse(payload.toString('utf8')) as SocketAck);
      this.notify();
    } else if (opcode === 0x9) {
      socket.write(frameOf(0xa, payload));
    } else if (opcode === 0x8) {
      // Answer the close handshake, or the client waits 30 s for it.
      socket.end(frameOf(0x8, payload.subarray(0, 2)));
    }
  }

  private broadcast(message: unknown): void {
    const frame = frameOf(1, Buffer.from(JSON.stringify(message)));
    for (const socket of this.sockets) socket.write(frame);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  private until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return waitUntil(this.listeners, probe, timeoutMs, () => `Timed out waiting for ${what}; acks: ${JSON.stringify(this.acks)}`);
  }
}

/** One complete client frame at the start of `data` (clients always mask), or undefined if more bytes are needed. */
function readFrame(data: Buffer): { opcode: number; payload: Buffer; length: number } | undefined {
  if (data.length < 2) return undefined;
  const opcode = (data[0] ?? 0) & 0x0f;
  const masked = ((data[1] ?? 0) & 0x80) !== 0;
  let size = (data[1] ?? 0) & 0x7f;
  let offset = 2;
  if (size === 126) {
    if (data.length < 4) return undefined;
    size = data.readUInt16BE(2);
    offset = 4;
  } else if (size === 127) {
    if (data.length < 10) return undefined;
    size = Number(data.readBigUInt64BE(2));
    offset = 10;
  }
  const maskLength = masked ? 4 : 0;
  if (data.length < offset + maskLength + size) return undefined;
  const mask = data.subarray(offset, offset + maskLength);
  const payload = Buffer.from(data.subarray(offset + maskLength, offset + maskLength + size));
  if (masked) for (let index = 0; index < payload.length; index += 1) payload[index] = (payload[index] ?? 0) ^ (mask[index % 4] ?? 0);
  return { opcode, payload, length: offset + maskLength + size };
}

/** A final, unmasked server frame. */
function frameOf(opcode: number, payload: Buffer): Buffer {
  const head =
    payload.length < 126
      ? Buffer.from([0x80 | opcode, payload.length])
      : payload.length < 65_536
        ? Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff])
        : Buffer.concat([Buffer.from([0x80 | opcode, 127]), bigLength(payload.length)]);
  return Buffer.concat([head, payload]);
}

function bigLength(length: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(length));
  return bytes;
}
