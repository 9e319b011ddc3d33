/** Node ids in a stable, natural order: numeric ids by value ("2" before "10"), others by text. */
export function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : a.localeCompare(b);
}
