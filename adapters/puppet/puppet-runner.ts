import * as z from 'zod';

export const puppetHostStatusSchema = z.enum(['changed', 'no-change', 'failed', 'not-run']);
export type PuppetHostStatus = z.infer<typeof puppetHostStatusSchema>;

export const puppetHostResultSchema = z.strictObject({
  host: z.string().min(1),
  status: puppetHostStatusSchema,
  changedResources: z.int().min(0),
  detail: z.string(),
});
export type PuppetHostResult = z.infer<typeof puppetHostResultSchema>;

export const puppetRunReportSchema = z.strictObject({
  /** The cumin command as it ran (secrets redacted). */
  command: z.string(),
  query: z.string(),
  reason: z.string(),
  /** cumin's exit code: 0 all hosts ok, 1 some failed above the threshold, 2 aborted below it. */
  exitCode: z.int(),
  hosts: z.array(puppetHostResultSchema),
  /** True only when every targeted host ran and none failed. */
  ok: z.boolean(),
  durationMs: z.number().min(0),
});
export type PuppetRunReport = z.infer<typeof puppetRunReportSchema>;

export const puppetToggleReportSchema = z.strictObject({
  command: z.string(),
  query: z.string(),
  action: z.enum(['disable', 'enable']),
  reason: z.string(),
  exitCode: z.int(),
  hosts: z.array(z.strictObject({ host: z.string().min(1), ok: z.boolean(), detail: z.string() })),
  ok: z.boolean(),
  durationMs: z.number().min(0),
});
export type PuppetToggleReport = z.infer<typeof puppetToggleReportSchema>;

/** Dry run: nothing ran; these are the exact command lines that would have. */
export interface PuppetDryRun {
  dryRun: true;
  commands: string[];
}
export type PuppetOutcome<T> = PuppetDryRun | ({ dryRun: false; commands: string[] } & T);

interface Common {
  /** `A:<alias>` from the allow-list, or hosts like `maps100[5-6].eqiad.wmnet`. */
  selector: string;
  /**
   * Stops waiting and kills the local process. Over ssh without a TTY, cumin on the cumin host
   * is not told: hosts already scheduled finish their run, so check the hosts before retrying.
   */
  signal?: AbortSignal;
  /** Overrides the adapter's dry-run mode for this call. */
  dryRun?: boolean;
}

export interface RunPuppetRequest extends Common {
  /** cumin -b; defaults to settings.batch.size, capped at settings.batch.max_size. */
  batchSize?: number;
  /** cumin -s. */
  batchSleepSeconds?: number;
  /** Recorded with the run; with `enable`, also what puppet must have been disabled with. */
  reason: string;
  /** Appended to the reason when it does not name the task yet. */
  task?: string;
  /** `run-puppet-agent --enable <reason>`: re-enable puppet only where it was disabled with exactly this reason, then run. */
  enable?: boolean;
}

export interface TogglePuppetRequest extends Common {
  /** Build it with formatReason(); enable-puppet must be given the very same text. */
  reason: string;
}

/**
 * Puppet on a selection of hosts, through cumin. Results are per host; a failed host is a
 * result, not an exception. Exceptions are for what the caller must not read as a result:
 * invalid input, cumin not answering (timeout, cancel, unreachable), output that cannot be read.
 */
export interface PuppetRunner {
  runPuppet(request: RunPuppetRequest): Promise<PuppetOutcome<{ report: PuppetRunReport }>>;
  disablePuppet(request: TogglePuppetRequest): Promise<PuppetOutcome<{ report: PuppetToggleReport }>>;
  /** Refused before anything runs when this bot disabled puppet there with a different reason. */
  enablePuppet(request: TogglePuppetRequest): Promise<PuppetOutcome<{ report: PuppetToggleReport }>>;
}
