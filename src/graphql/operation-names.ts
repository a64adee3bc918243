// Longest operation name used as a label value; a longer one counts as "(other)".
const NAME_MAX_CHARS = 64;

/**
 * The operation name label, with bounded cardinality: clients choose names, and every distinct
 * label value is a time series kept for the life of the process and scraped every time. The
 * first `max` names seen are kept (with TRUSTED_DOCUMENTS, only the manifest's operations run,
 * so those are its names); later ones share "(other)".
 */
export function createOperationNameLabel(max: number) {
  const kept = new Set<string>();
  return (name: string | null | undefined): string => {
    if (!name) return '(anonymous)';
    if (kept.has(name)) return name;
    if (kept.size >= max || name.length > NAME_MAX_CHARS) return '(other)';
    kept.add(name);
    return name;
  };
}

export type OperationNameLabel = ReturnType<typeof createOperationNameLabel>;
