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

/** One row per task: sessions by state, from `progress`. */
export function sessionRows(live) {
  return live.progress.map((p) => ({
    task: p.task, active: p.active, complete: p.complete, abandoned: p.abandoned,
    handedOut: p.handed_out, sequences: p.sequences, answers: p.answers,
  }));
}

/** Per task, an image x model matrix of `{answered, planned}` (null where the plan has no such cell). */
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
        return cell ? { answered: cell.answered, planned: cell.planned } : null;
      }),
    }));
    return { task, models, rows };
  });
}
