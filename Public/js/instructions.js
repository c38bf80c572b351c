// The instructions of a task, written from what the session actually does: its question, whether the input
// is shown, the exposure time and the keys the trial listens to. Pure functions.

/** "3 seconds", "1.5 seconds", "1 second", "750 milliseconds". */
export function formatDuration(ms) {
  if (ms < 1000) return `${Math.round(ms)} milliseconds`;
  const seconds = Math.round(ms / 100) / 10;
  return `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
}

/** "F or ←" from a list of key labels. */
export function keyList(labels) {
  if (labels.length <= 1) return labels.join('');
  return `${labels.slice(0, -1).join(', ')} or ${labels[labels.length - 1]}`;
}

/**
 * @param {{question: string, showInput: boolean, exposureMs: number, keys: {left: string[], right: string[]},
 *   extra?: string}} task
 * @returns {string} paragraphs separated by blank lines
 */
export function taskInstructions({ question, showInput, exposureMs, keys, extra }) {
  const duration = formatDuration(exposureMs);
  const shown = showInput
    ? `In each trial a small low-resolution image appears in the middle, with two larger images to its left and right, for ${duration}.`
      + ' Then all of them disappear.'
    : `In each trial two images appear side by side for ${duration}. Then they disappear.`;
  const paragraphs = [
    shown,
    `Then answer the question: “${question.trim()}”`,
    `Choose the left image with ${keyList(keys.left)}, the right image with ${keyList(keys.right)}, or click or tap`
      + ' the box on its side. The images do not come back while you decide; answer by your first impression.',
    'Keep this page in front and the window as it is during the trials: a trial that is interrupted is marked.',
  ];
  if (extra && extra.trim()) paragraphs.push(extra.trim());
  return paragraphs.join('\n\n');
}
