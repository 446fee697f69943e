/**
 * Every console screen in a real browser against a stand-in API whose strings are all hostile
 * (`<img src=x onerror=…>` in names, tags, policies, log fields, findings): each screen renders
 * them as text, no script runs, no element is injected, the page stays within its CSP, and every
 * change carries the session's CSRF token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blur, injected, openBrowser, screenshot, type Browser } from './browser.js';
import { deniedEvent, HOSTILE, HOSTILE_ROLE, SESSION, startFixture, type Fixture } from './fixture-server.js';

let fixture: Fixture;
let browser: Browser;

beforeAll(async () => {
  fixture = await startFixture();
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
  await fixture?.close();
});

async function clean(): Promise<void> {
  expect(browser.dialogs).toEqual([]);
  expect(await injected(browser.page)).toEqual([]);
  // Before sign-in the session check answers 401, and the wrong key 403: expected refusals.
  expect(
    browser.errors.filter(
      (e) => !/^HTTP (401 \/credplane\/console\/api\/session|403 \/credplane\/console\/api\/login)$/.test(e),
    ),
  ).toEqual([]);
  browser.errors.length = 0;
}

describe('console screens (stand-in API, hostile values)', () => {
  it('says when the login link was spent, and refuses a wrong access key with the message as text', async () => {
    const { page } = browser;
    await page.goto(`${fixture.url}/credplane/console/login?token=spent`);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('already used or has expired');
    await page.goto(`${fixture.url}/credplane/console/`);
    await page.getByLabel('Access key ID').fill('AKIAWRONG');
    await page.getByLabel('Secret access key').fill('x');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain(HOSTILE);
    await screenshot(page, 'fixture-login');
    await clean();
  });

  it('signs in with the one-time URL and shows the overview', async () => {
    const { page } = browser;
    await page.goto(`${fixture.url}/credplane/console/login?token=one-time`);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(page.url()).toBe(`${fixture.url}/credplane/console/`);
    await expect.poll(() => page.locator('tr.workload').first().textContent()).toContain(`web${HOSTILE}`);
    await expect.poll(() => page.locator('.badge.warn', { hasText: 'shared' }).count()).toBeGreaterThan(0);
    await page.locator('.chart canvas').first().waitFor();
    await screenshot(page, 'fixture-overview');
    await clean();
  });

  it('shows the role page with the policy highlighted and the finding at its line', async () => {
    const { page } = browser;
    await page.locator('tr.workload a', { hasText: HOSTILE_ROLE }).first().click();
    await page.locator('.role-name', { hasText: HOSTILE_ROLE }).waitFor();
    const marked = page.locator('pre.code .line.marked');
    await expect.poll(() => marked.getAttribute('data-line')).toBe('7');
    expect(await marked.textContent()).toContain(`wildcard ${HOSTILE}`);
    expect(await page.locator('.tok-key').first().textContent()).toBe('"Version"');
    expect(await page.locator('.tag').textContent()).toBe(`${HOSTILE}=${HOSTILE}`);
    await screenshot(page, 'fixture-role');
    await clean();
  });

  it('applies and rolls back with the CSRF token', async () => {
    const { page } = browser;
    await page.getByRole('link', { name: 'Least privilege' }).click();
    await page.locator('ul.removed', { hasText: HOSTILE }).waitFor();
    await page.getByRole('button', { name: 'Apply generated policy' }).click();
    await page.getByRole('button', { name: 'Confirm apply' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `put ${HOSTILE}` })
      .waitFor();
    await page.getByRole('button', { name: 'Roll back' }).click();
    await expect.poll(() => fixture.changes.filter((c) => c.path.endsWith('/rollback')).length).toBe(1);
    const changes = fixture.changes.filter((c) => c.path.includes('least-privilege'));
    expect(changes.map((c) => c.csrf)).toEqual([SESSION.csrfToken, SESSION.csrfToken]);
    expect(JSON.parse(changes[1]?.body ?? '{}')).toEqual({ snapshotId: 'snap-1' });
    await screenshot(page, 'fixture-least-privilege');
    await clean();
  });

  it('lists events, adds a streamed one live and expands a denial', async () => {
    const { page } = browser;
    await blur(page);
    await page.keyboard.press('g');
    await page.keyboard.press('a');
    await page.getByRole('heading', { name: 'Activity' }).waitFor({ timeout: 5000 });
    await page.locator('.live-live').waitFor({ timeout: 5000 });
    fixture.push({ ...deniedEvent, eventId: 'ev-2', eventName: 'PutObject' });
    const row = page.locator('tr.event[data-event-id="ev-2"]');
    await row.waitFor({ timeout: 5000 });
    await row.getByRole('button').click();
    // JSON text: the hostile value's quotes show escaped, the markup as characters.
    await page.locator('.explanation', { hasText: JSON.stringify(HOSTILE) }).waitFor();
    await screenshot(page, 'fixture-activity');
    await clean();
  });

  it('draws the graph, lists the escalation and follows an edge to the role', async () => {
    const { page } = browser;
    await page.getByRole('link', { name: 'Access graph' }).click();
    await page.locator('.graph canvas').first().waitFor();
    await page.locator('tr.edge.escalation').first().waitFor();
    expect(await page.locator('ul.findings').textContent()).toContain(HOSTILE_ROLE);
    await page.waitForTimeout(500);
    await screenshot(page, 'fixture-graph');
    await page.locator('tr.edge.escalation a', { hasText: HOSTILE_ROLE }).first().click();
    await page.locator('.role-name', { hasText: HOSTILE_ROLE }).waitFor();
    await clean();
  });

  it('runs the SSRF lab and shows what the attacker got', async () => {
    const { page } = browser;
    await page.goto(`${fixture.url}/credplane/console/#/lab`);
    await page.getByRole('button', { name: 'Run the lab' }).click();
    await page.locator('tr.failed', { hasText: `credentials for ${HOSTILE}` }).waitFor();
    expect(fixture.changes.find((c) => c.path === 'lab/ssrf')?.csrf).toBe(SESSION.csrfToken);
    await page.getByRole('button', { name: /Switch to/ }).click();
    await screenshot(page, 'fixture-lab-dark');
    await clean();
  });

  it('shows a read-only principal no change buttons', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Access key ID').fill('AKIAREADONLY');
    await page.getByLabel('Secret access key').fill('x');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'SSRF lab' }).waitFor();
    expect(await page.getByRole('button', { name: 'Run the lab' }).count()).toBe(0);
    await page.goto(
      `${fixture.url}/credplane/console/#/roles/${encodeURIComponent(HOSTILE_ROLE)}/least-privilege`,
    );
    await page.locator('ul.removed').waitFor();
    expect(await page.getByText('read-only').count()).toBe(1);
    expect(await page.getByRole('button', { name: /Apply|Roll back/ }).count()).toBe(0);
    await clean();
  });
});
