import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { ChatTransport, InboundEvent, MessageRef, OutboundMessage } from './transport.js';

export interface ConsoleTransportOptions {
  input: Readable;
  output: Writable;
  channel: string;
  /** Who speaks until a `/as NAME` line. */
  speaker: string;
  /** Configured people: anyone else may speak, but as nobody the config knows. */
  people: readonly string[];
  /** Configured services, for the greeting's hint. */
  services: readonly string[];
  /** Print what was typed too, so a piped session reads as the whole conversation. */
  echo: boolean;
  botName?: string;
}

/**
 * Standard input is the channel and standard output is what the channel sees. The console is
 * a local, trusted terminal, so `/as NAME` is how one person plays several.
 */
export class ConsoleTransport implements ChatTransport {
  readonly name = 'console';
  readonly finished: Promise<void>;
  private resolveFinished: () => void = () => undefined;
  private speaker: string;
  private stopped = false;

  constructor(private readonly options: ConsoleTransportOptions) {
    this.speaker = options.speaker;
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  async start(onEvent: (event: InboundEvent) => Promise<void>): Promise<void> {
    const lines = createInterface({ input: this.options.input, crlfDelay: Infinity, terminal: false });
    const helps = this.options.services.map((service) => `!${service} help`).join(' or ');
    this.say(`${this.options.botName ?? 'cutover'} is listening in ${this.options.channel} as ${this.speaker}; try ${helps}, /as NAME to switch speaker.`);
    void (async () => {
      // One line at a time, in order: a piped script behaves as if typed.
      for await (const line of lines) {
        if (this.stopped) break;
        await this.handleLine(line, onEvent);
      }
      this.resolveFinished();
    })();
  }

  async send(message: OutboundMessage): Promise<MessageRef | undefined> {
    if (message.channel === this.options.channel) this.say(message.text);
    return undefined;
  }

  /** A terminal has no reactions; the text already says what happened. */
  async react(): Promise<void> {}

  async stop(): Promise<void> {
    this.stopped = true;
    this.resolveFinished();
  }

  private async handleLine(line: string, onEvent: (event: InboundEvent) => Promise<void>): Promise<void> {
    const text = line.trim();
    if (text === '') return;
    if (this.options.echo) this.options.output.write(`<${this.speaker}> ${text}\n`);
    const as = /^\/as(?:\s+(\S+))?\s*$/.exec(text);
    if (as !== null) {
      this.switchSpeaker(as[1]);
      return;
    }
    if (text.startsWith('/')) {
      this.say('Console commands: /as NAME (speak as someone else). Everything else is said in the channel.');
      return;
    }
    const known = this.options.people.includes(this.speaker);
    await onEvent({
      kind: 'message',
      text,
      caller: { person: known ? this.speaker : undefined, display: this.speaker, transport: this.name, channel: this.options.channel },
    });
  }

  private switchSpeaker(name: string | undefined): void {
    if (name === undefined) {
      this.say(`You are ${this.speaker}. Configured people: ${this.options.people.join(', ')}.`);
      return;
    }
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(name)) {
      this.say('Names are letters, digits, - and _, at most 32.');
      return;
    }
    this.speaker = name;
    const known = this.options.people.includes(name);
    this.say(known ? `* now speaking as ${name}` : `* now speaking as ${name}, who is not in the config: read-only commands only`);
  }

  private say(text: string): void {
    const name = this.options.botName ?? 'cutover';
    for (const line of text.split('\n')) this.options.output.write(`<${name}> ${line}\n`);
  }
}
