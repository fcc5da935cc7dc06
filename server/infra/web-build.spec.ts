/** `npm start` builds the checkout's web app again only when a source changed after the last build. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { staleWebSource } from './web-build.ts';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
});

function checkout(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'web-build-'));
  roots.push(root);
  fs.mkdirSync(path.join(root, 'web', 'src', 'pages'), { recursive: true });
  fs.writeFileSync(path.join(root, 'web', 'index.html'), '<div id="root"></div>');
  fs.writeFileSync(path.join(root, 'web', 'src', 'pages', 'Home.tsx'), 'export {}');
  return root;
}

const at = (file: string, seconds: number) => fs.utimesSync(file, seconds, seconds);

describe('the web app served by npm start', () => {
  it('is built when it never was, again when a source is newer than the build, and not otherwise', () => {
    const root = checkout();
    const built = path.join(root, 'web', 'dist', 'index.html');
    expect(staleWebSource(root)).toBe(built);
    fs.mkdirSync(path.dirname(built));
    fs.writeFileSync(built, '<html></html>');
    const page = path.join(root, 'web', 'src', 'pages', 'Home.tsx');
    for (const file of [path.join(root, 'web', 'index.html'), page]) at(file, 1_000_000);
    at(built, 1_000_100);
    expect(staleWebSource(root)).toBeNull();
    at(page, 1_000_200); // a page edited (or pulled) after the build
    expect(staleWebSource(root)).toBe(page);
  });
});
