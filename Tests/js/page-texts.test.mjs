import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';

import { fillPageTexts, plainText, textNodes } from '../../Public/js/page-texts.js';
import { TEXTS } from '../../Public/js/texts.js';

const html = readFileSync(new URL('../../Public/index.html', import.meta.url), 'utf8');
const named = (attribute) => [...html.matchAll(new RegExp(`${attribute}="([^"]+)"`, 'g'))].map((m) => m[1]);

test('every text index.html names exists, and every page text is used', () => {
  const names = [...named('data-text'), ...named('data-label')];
  for (const name of names) assert.ok(name in TEXTS.page, `${name} is in TEXTS.page`);
  for (const name of Object.keys(TEXTS.page)) assert.ok(names.includes(name), `${name} is used by index.html`);
});

test('index.html itself holds no prose but what shows before the script runs', () => {
  const body = html.slice(html.indexOf('<body>'), html.indexOf('<noscript>'))
    .replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
  assert.equal(body, 'Loading… +');
});

// A minimal DOM: enough for textNodes and fillPageTexts.
class FakeNode {
  constructor(tag, text = '') { this.tag = tag; this.textContent = text; this.children = []; this.attributes = {}; this.dataset = {}; }
  replaceChildren(...nodes) { this.children = nodes; }
  setAttribute(name, value) { this.attributes[name] = value; }
}
const fakeDocument = {
  createTextNode: (text) => new FakeNode('#text', text),
  createElement: (tag) => new FakeNode(tag),
};

test('a text becomes text nodes and <kbd> keys; attributes get its plain reading', () => {
  const nodes = textNodes(fakeDocument, ['or press ', { kbd: 'Space' }]);
  assert.deepEqual(nodes.map((n) => [n.tag, n.textContent]), [['#text', 'or press '], ['kbd', 'Space']]);
  assert.equal(plainText(['Reset with ', { kbd: 'Ctrl' }, ' and ', { kbd: '0' }]), 'Reset with Ctrl and 0');
});

test('fillPageTexts fills named contents and labels and leaves unknown names alone', () => {
  const title = Object.assign(new FakeNode('h1'), { dataset: { text: 'doneTitle' } });
  const unknown = Object.assign(new FakeNode('p', 'kept'), { dataset: { text: 'noSuchText' } });
  const button = Object.assign(new FakeNode('button'), { dataset: { label: 'chooseLeft' } });
  const root = {
    ownerDocument: fakeDocument,
    querySelectorAll: (selector) => (selector === '[data-text]' ? [title, unknown] : [button]),
  };
  fillPageTexts(root);
  assert.deepEqual(title.children.map((n) => n.textContent), ['All done']);
  assert.deepEqual(unknown.children, []);
  assert.equal(unknown.textContent, 'kept');
  assert.equal(button.attributes['aria-label'], 'Choose the left image');
});
