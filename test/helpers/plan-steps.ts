import type { ConsoleBot } from './console-bot.js';

/** What the steps need of a chat: the console, or IRC people (irc-chat.ts). */
type Chat = Pick<ConsoleBot, 'say' | 'transcript' | 'waitFor'>;

/** alice asks for the service's next plan step; resolves with the request id, or fails with the refusal. */
export async function requestStep(chat: Chat, reason = 'rehearsal', service = 'kartotherian'): Promise<string> {
  const mark = chat.transcript().length;
  chat.say('/as alice');
  chat.say(`!${service} next ${reason}`);
  const [, id, refused] = await chat.waitFor(/[⏳▶] (\w+): alice asks to run|✖ (.*)/, { from: mark });
  if (id === undefined) throw new Error(`step refused: ${refused ?? ''}`);
  return id;
}

/** Requests the next step, has bob approve it when it needs approval, and waits for `expected`. */
export async function runStep(chat: Chat, expected: RegExp, timeoutMs = 20_000): Promise<string> {
  const mark = chat.transcript().length;
  const id = await requestStep(chat);
  if (/needs 1 approval/.test(chat.transcript().slice(mark).join('\n'))) {
    chat.say('/as bob');
    chat.say(`!approve ${id}`);
  }
  await chat.waitFor(expected, { from: mark, timeoutMs });
  return id;
}

/** The four steps before any worker is pooled, in eqiad. */
export async function throughDeploy(chat: Chat): Promise<void> {
  await runStep(chat, /✅ eqiad nginx-tls-6543 done/);
  await runStep(chat, /✅ eqiad lvs-k8s-service done/);
  await runStep(chat, /✅ eqiad cdn-to-6543 done/);
  await runStep(chat, /✅ eqiad helm-deploy done/);
}

/**
 * Waits until the plan soaks. Nothing is said in the channel when a soak begins (issue 14: a step
 * is announced when it starts, with its soak, and when it ends), so this asks `plan` until it says so.
 */
export async function soaking(chat: Chat, service = 'kartotherian', timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mark = chat.transcript().length;
    chat.say(`!${service} plan`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    if (/soaking at/.test(chat.transcript().slice(mark).join('\n'))) return;
    if (Date.now() > deadline) throw new Error(`the plan did not start soaking within ${timeoutMs} ms`);
  }
}
