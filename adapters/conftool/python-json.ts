import { CutoverError } from '../../core/errors.js';

/**
 * `json.dumps(value)` with Python's defaults: `", "` and `": "` separators and `ensure_ascii`
 * (everything outside printable ASCII as a lowercase `\uXXXX`). conftool stores values this
 * way, so a value cutover rewrites is byte for byte the one confctl would have written.
 *
 * Numbers come out as JavaScript prints them: once JSON.parse has read `1.0` it is `1`, and
 * Python would have printed `1.0`. conftool's own fields are ints, so this only touches extras
 * someone stored as floats, which keep their value if not their spelling.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw notJson(value);
      return JSON.stringify(value);
    case 'string':
      return pythonString(value);
    case 'object':
      if (Array.isArray(value)) return `[${Array.from(value, (item: unknown) => pythonJsonDumps(item)).join(', ')}]`;
      if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) throw notJson(value);
      return pythonJsonObject(Object.entries(value));
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      break;
  }
  throw notJson(value);
}

/** An object from its fields in the order given, which JavaScript objects cannot always keep (integer-like keys go first). */
export function pythonJsonObject(fields: readonly (readonly [string, unknown])[]): string {
  return `{${fields.map(([key, item]) => `${pythonString(key)}: ${pythonJsonDumps(item)}`).join(', ')}}`;
}

function pythonString(text: string): string {
  // JSON.stringify already escapes quotes, backslashes, controls and lone surrogates the way Python does.
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function notJson(value: unknown): CutoverError {
  return new CutoverError('input.invalid', `Refusing to write a conftool value that is not plain JSON (${typeof value}).`);
}
