import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { CutoverError } from '../core/errors.js';
import { planSchema, type Plan } from '../core/plan/plan-schema.js';

/** Reads a plan file next to the config, validated like the config: every bad path at once. */
export async function loadPlan(configPath: string, file: string, timeScale?: number): Promise<Plan> {
  const path = resolve(dirname(configPath), file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new CutoverError('config.unreadable', `Cannot read plan file ${path}: ${(cause as Error).message}`, { cause });
  }
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) throw new CutoverError('config.invalid', `${path} is not valid YAML: ${document.errors[0]?.message ?? ''}`);
  const parsed = planSchema.safeParse(document.toJS());
  if (!parsed.success) {
    throw new CutoverError('config.invalid', `${path} is invalid:\n${parsed.error.issues.map((issue) => `  ✖ ${issue.path.join('.')}: ${issue.message}`).join('\n')}`);
  }
  return timeScale === undefined ? parsed.data : { ...parsed.data, time_scale: timeScale };
}

