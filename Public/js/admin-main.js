// The dashboard page's entry point (admin.html loads it; the CSP allows no inline script).
import { start } from './admin.js';

start();
