import * as z from 'zod';
import { commandHostSchema } from '../command-runner.js';

/** cumin alias names as operations-puppet defines them: `maps-eqiad`, `wikikube-worker-codfw`. */
export const cuminAliasNameSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, { error: 'a cumin alias name like maps-eqiad' });

/** A host pattern from config must compile, and must be anchored so it cannot match a substring. */
const anchoredRegex = z
  .string()
  .min(3)
  .max(500)
  .refine((source) => source.startsWith('^') && source.endsWith('$'), { error: 'must be anchored with ^ and $' })
  .refine(
    (source) => {
      try {
        new RegExp(source);
        return true;
      } catch {
        return false;
      }
    },
    { error: 'must be a valid regular expression' },
  );

/** Puppet runs and puppet enable/disable through cumin, on a cumin host (or locally). */
export const puppetSettingsSchema = z
  .strictObject({
    /** Where cumin runs: cumin1002.eqiad.wmnet over ssh in production. */
    host: commandHostSchema,
    /** cumin needs root; `sudo -n` so a missing sudo rule fails at once instead of waiting for a password. */
    sudo: z.boolean().default(true),
    /** The only `A:<alias>` selectors a command may use: the service's own, so no default. */
    aliases: z.array(cuminAliasNameSchema).min(1),
    /** Every host in a host-list selector must match this (after node-set expansion); the service's own hosts, so no default. */
    host_pattern: anchoredRegex,
    /** A host list longer than this is refused: big selections go through an alias someone reviewed. */
    max_hosts: z.int().min(1).max(1000).default(64),
    batch: z
      .strictObject({
        /** cumin -b when a request names none. One at a time is how a careful roll starts. */
        size: z.int().min(1).max(100).default(1),
        max_size: z.int().min(1).max(100).default(10),
        /** cumin -s between hosts. */
        sleep_seconds: z.number().min(0).max(3600).default(0),
      })
      .prefault({}),
    timeouts: z
      .strictObject({
        /** cumin -t for a puppet run, over the whole selection: cumin reports hosts still running as timed out. */
        run_seconds: z.int().min(1).max(6 * 3600).default(1800),
        /** cumin -t for disable/enable; disable-puppet waits up to 300 s for a running agent to finish. */
        toggle_seconds: z.int().min(1).max(3600).default(420),
        /** How much longer the bot waits than cumin's own -t, so cumin gets to print its per-host report. */
        grace_seconds: z.int().min(1).max(600).default(60),
      })
      .prefault({}),
    /** Longest accepted reason, as it reaches disable-puppet (spicerack keeps these short too). */
    max_reason_length: z.int().min(20).max(500).default(200),
  })
  .refine((settings) => settings.batch.size <= settings.batch.max_size, {
    error: 'batch.size must not exceed batch.max_size',
    path: ['batch', 'size'],
  });

export type PuppetSettings = z.infer<typeof puppetSettingsSchema>;
