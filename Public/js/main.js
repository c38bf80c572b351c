// The participant page's entry point (index.html loads it; the CSP allows no inline script).
import { start } from './app.js';
import { fillPageTexts } from './page-texts.js';

fillPageTexts(document);
start();
