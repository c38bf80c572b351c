// The browser's side of the wire: the fields the app reads from a trial of the session payload
// (POST /api/sessions, GET /api/sessions/{token}) and the fields of the answer it posts
// (POST /api/sessions/{token}/answers), in the order they are sent. Names here are the server's names.

/**
 * A trial as the app reads it. `input` is sent on every trial (null without an input image); `correct`
 * ('left' or 'right') only on practice trials.
 */
export const TRIAL_FIELDS = [
  { name: 'index', type: 'integer', required: true },
  { name: 'practice', type: 'boolean', required: true },
  { name: 'left', type: 'string', required: true },
  { name: 'right', type: 'string', required: true },
  { name: 'input', type: 'string', required: true, nullable: true },
  { name: 'correct', type: 'string', required: false },
];

/** An answer as the app posts it, in this order. */
export const ANSWER_FIELDS = [
  { name: 'key', type: 'string', required: true }, // idempotency key: a repeat is the same answer
  { name: 'index', type: 'integer', required: true },
  { name: 'choice', type: 'string', required: true }, // 'left' or 'right'
  { name: 'response_ms', type: 'number', required: true },
  { name: 'exposure_ms', type: 'number', required: true },
  { name: 'frames', type: 'integer', required: true },
  { name: 'visibility_lost', type: 'boolean', required: true },
  { name: 'focus_lost', type: 'boolean', required: true },
  { name: 'window_w', type: 'integer', required: true },
  { name: 'window_h', type: 'integer', required: true },
  { name: 'dpr', type: 'number', required: true },
  { name: 'rendered_px', type: 'number', required: true },
  { name: 'client_time', type: 'number', required: false },
  { name: 'interruption', type: 'string', required: false, nullable: true }, // exposure-log.js INTERRUPTIONS
];

const TYPE_CHECKS = {
  string: (v) => typeof v === 'string',
  boolean: (v) => typeof v === 'boolean',
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  integer: (v) => Number.isInteger(v),
};

/** What is wrong with `value` against `fields`: one line a field, empty when it conforms. */
export function problems(fields, value) {
  if (!value || typeof value !== 'object') return ['not an object'];
  const found = [];
  for (const { name, type, required, nullable } of fields) {
    const v = value[name];
    if (v === undefined) {
      if (required) found.push(`${name}: missing`);
    } else if (v === null) {
      if (!nullable) found.push(`${name}: null`);
    } else if (!TYPE_CHECKS[type](v)) {
      found.push(`${name}: not of type ${type}`);
    }
  }
  return found;
}

export const trialProblems = (trial) => problems(TRIAL_FIELDS, trial);
export const answerProblems = (answer) => problems(ANSWER_FIELDS, answer);

/** The answer to post, from `values` (which may hold more): exactly the declared fields, in their order. */
export function answerFrom(values) {
  return Object.fromEntries(ANSWER_FIELDS.map(({ name }) => [name, values[name]]));
}
