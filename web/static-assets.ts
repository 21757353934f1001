import { readFileSync } from 'node:fs';

// The page's own CSS and scripts, read once when the app is created (they are small) and served
// same-origin so the CSP can stay at default-src 'self'.

const types: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

export const staticNames = ['app.css', 'list.js', 'log.js', 'job.js'] as const;

export interface StaticAsset {
  body: string;
  type: string;
}

export function loadStaticAssets(dir: URL = new URL('./static/', import.meta.url)): Map<string, StaticAsset> {
  const assets = new Map<string, StaticAsset>();
  for (const name of staticNames) {
    const ext = name.slice(name.lastIndexOf('.'));
    assets.set(name, { body: readFileSync(new URL(name, dir), 'utf8'), type: types[ext] ?? 'application/octet-stream' });
  }
  return assets;
}
