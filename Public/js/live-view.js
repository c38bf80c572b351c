// Pure shaping of GET /api/admin/live for the dashboard's tables.

export function formatPercent(value) {
  return value === null || value === undefined ? '-' : `${(value * 100).toFixed(1)}%`;
}

/** "41.2% – 63.0%", or why there is no interval. */
export function formatInterval(row) {
  if (row.trials === 0) return 'no trials yet';
  if (row.low === null || row.low === undefined || row.high === null || row.high === undefined) return 'n too small';
  return `${formatPercent(row.low)} – ${formatPercent(row.high)}`;
}

/** One row per task: sessions by state (the abandoned split into declines, screen refusals and drop-outs),
 * from `progress`, with the participants the plan asks for. */
export function sessionRows(live) {
  const planned = Object.fromEntries((live.tasks ?? []).map((t) => [t.id, t.participants_planned]));
  return live.progress.map((p) => ({
    task: p.task, planned: planned[p.task] ?? null, active: p.active, complete: p.complete,
    declined: p.declined ?? 0, screenRefused: p.screen_refused ?? 0, droppedOut: p.dropped_out ?? p.abandoned,
    handedOut: p.handed_out, sequences: p.sequences, answers: p.answers,
  }));
}

/** A task's short name for tables ("Task 1 (with input)"), its id where the snapshot has no label. */
export function taskLabel(live, id) {
  return (live.tasks ?? []).find((t) => t.id === id)?.label ?? id;
}

/** Per task, an image x model matrix of `{counted, answered, planned}` (null where the plan has no such cell):
 * `counted` are the answers left after the study's exclusions, what the report analyses. */
export function cellMatrix(live) {
  const tasks = [...new Set(live.cells.map((c) => c.task))];
  return tasks.map((task) => {
    const cells = live.cells.filter((c) => c.task === task);
    const models = [];
    for (const c of cells) if (!models.some((m) => m.id === c.model)) models.push({ id: c.model, label: c.label });
    const images = [...new Set(cells.map((c) => c.image))].sort();
    const rows = images.map((image) => ({
      image,
      cells: models.map((m) => {
        const cell = cells.find((c) => c.image === image && c.model === m.id);
        return cell ? { counted: cell.counted ?? cell.answered, answered: cell.answered, planned: cell.planned } : null;
      }),
    }));
    return { task, models, rows };
  });
}

/** Bytes as "812 KiB", "1.4 GiB". */
export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return 'unknown';
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** The storage line of the dashboard: free space on the database's disk, database and WAL sizes. */
export function storageLine(storage) {
  if (!storage) return '';
  return `Disk: ${formatBytes(storage.free_bytes)} free. Database ${formatBytes(storage.database_bytes)}, `
    + `write-ahead log ${formatBytes(storage.wal_bytes)}.`;
}
