/**
 * A flag is typed in kebab case (`--dry-run`) and bound under its camel-case key (`dryRun`), the
 * name a command's args are declared and read by. Both directions live here so they cannot drift.
 */
export const flagCase = {
  toKey: (flag: string): string => flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()),
  toFlag: (key: string): string => key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`),
};
