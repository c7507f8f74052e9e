/**
 * JSON as Python's `json.dumps` writes it by default (`", "` and `": "` separators), which is what
 * pybal's instrumentation answers (pybal/instrumentation.py). Any JSON parser reads it the same;
 * the spacing only matters to a human diffing lab output against production's.
 */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([key, item]) => `${JSON.stringify(key)}: ${pythonJson(item)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
