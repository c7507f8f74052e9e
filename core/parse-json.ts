/** JSON from a network or a store, where garbage is an answer to validate, not an exception. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
