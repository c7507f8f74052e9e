/**
 * A filed request's announcement as its dry run says it: marked where the glyph and id were,
 * and without the `!approve`/`!deny` of a request that does not exist.
 */
export function asDryRun(filed: string, id: string): string {
  return filed.replace(new RegExp(`^[⏳▶] ${id}`), 'DRY RUN, nothing filed').replace(`: !approve ${id} or !deny ${id}`, '');
}
