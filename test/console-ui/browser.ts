/**
 * A real browser for the console's tests: Debian's Chromium (`/usr/bin/chromium`, installed by
 * `.ci/run`), headless, driven by playwright-core, with a profile of its own that is removed after.
 * A missing browser is a failure with a clear message, never a skipped test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CREDPLANE_CHROMIUM ?? '/usr/bin/chromium';

/** Where the tests leave screenshots for reviewers (gitignored). */
export const SCREENSHOTS = path.resolve(
  path.dirname(new URL(import.meta.url).pathname),
  '..',
  '..',
  'test-results',
  'console',
);

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Dialogs (alert/confirm/prompt) that fired: an injected script's first sign. */
  dialogs: string[];
  /** Console errors, uncaught page errors (CSP violations included) and failed loads, with their path. */
  errors: string[];
  close(): Promise<void>;
}

export async function openBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: the console's browser tests need it (apt-get install -y chromium; .ci/run installs it).`,
    );
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1360, height: 900 },
    env: { HOME: profile, PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  // Shorter than the test's own timeout, so a stuck step names itself.
  page.setDefaultTimeout(10_000);
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    // A failed load is reported with its URL below; the console's own line has none.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      errors.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400)
      errors.push(`HTTP ${response.status()} ${new URL(response.url()).pathname}`);
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return {
    context,
    page,
    dialogs,
    errors,
    close: async () => {
      await context.close().catch(() => undefined);
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  // From the top: a full-page shot of a scrolled page draws the sticky header mid-page.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Elements an injection would have created: any <img>, <script>, <iframe> or on* attribute. */
export async function injected(page: Page): Promise<string[]> {
  // A string, evaluated in the page: the test project has no DOM types.
  return page.evaluate(`(() => {
    const found = [];
    for (const el of document.querySelectorAll('img, script:not([type="module"]), iframe, object, embed, svg script')) {
      found.push(el.outerHTML.slice(0, 120));
    }
    for (const el of document.querySelectorAll('*')) {
      for (const attr of el.attributes) if (/^on/i.test(attr.name)) found.push(el.tagName + ' ' + attr.name);
    }
    return found;
  })()`);
}

/** Take the focus off any control, so that single-key shortcuts reach the page. */
export async function blur(page: Page): Promise<void> {
  await page.evaluate('document.activeElement && document.activeElement.blur()');
}
