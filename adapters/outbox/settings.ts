import * as z from 'zod';

/** How an outbox retries what an outside service did not take: exponential backoff, bounded in attempts and size. */
export const outboxSettingsSchema = z
  .strictObject({
    /** Attempts in all, the first included; after the last one the message is reported failed and dropped. */
    max_attempts: z.int().min(1).max(100).default(8),
    /** The first retry's delay; each next one doubles, up to max_delay_seconds. */
    base_delay_seconds: z.number().min(0.01).max(3600).default(5),
    max_delay_seconds: z.number().min(0.01).max(86_400).default(600),
    /** Messages waiting at most; beyond that a new one is refused (and said) rather than Redis growing without end. */
    max_queued: z.int().min(1).max(100_000).default(1000),
    /** How long a process owns a message it is delivering; one that dies mid-delivery leaves it due again after this. */
    lease_seconds: z.number().min(1).max(3600).default(60),
    /** How often due messages are looked for. */
    poll_seconds: z.number().min(0.05).max(600).default(2),
  })
  .refine((settings) => settings.max_delay_seconds >= settings.base_delay_seconds, { error: 'max_delay_seconds must be at least base_delay_seconds', path: ['max_delay_seconds'] });
export type OutboxSettings = z.infer<typeof outboxSettingsSchema>;
