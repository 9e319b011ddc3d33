/**
 * The report in headless Chromium from file://: renders, pages, runs no injected script.
 * Page-side code is passed as strings: the project's TypeScript has no DOM types.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeReport } from "../../src/run/report/write-report.js";
import { makeRunFolder } from "./fixture.js";

const CHROMIUM = "/usr/bin/chromium";

// Not skipped when Chromium is missing: .ci/run installs it, and a missing browser must fail loudly.
describe("report in Chromium", () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does`);
    dir = await makeRunFolder(30);
    await writeReport(dir);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
  });

  it("renders charts and the gallery without errors, pages, and shows hostile text as text", { timeout: 60_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(join(dir, "report.html")).href);
    // The gallery's images load lazily; make them load now to check every path resolves.
    await page.evaluate(`document.querySelectorAll("img").forEach((i) => (i.loading = "eager"))`);
    await page.waitForFunction(`[...document.images].every((i) => i.complete)`);

    expect(await page.locator("svg.chart").count()).toBeGreaterThanOrEqual(7); // funnel + 6 distributions
    expect(await page.locator("svg.chart rect.bar").count()).toBeGreaterThan(10);
    const items = page.locator("#gallery figure.item");
    expect(await items.count()).toBe(24);
    const firstPage = await items.evaluateAll((els) => els.map((e) => e.getAttribute("data-id")));
    // Images load from the run folder (relative paths over file://).
    expect(await page.evaluate(`[...document.images].filter((i) => i.naturalWidth > 0).length`)).toBe(24);
    expect(requests.every((u) => u.startsWith("file://"))).toBe(true);

    // The planted caption is on page 1 as literal text; nothing it holds ran.
    expect(await page.locator("#gallery dd", { hasText: "window.__pwned = 1" }).count()).toBe(1);
    expect(await page.locator("#workflow", { hasText: "onerror" }).count()).toBe(1);
    expect(await page.evaluate(`typeof window.__pwned`)).toBe("undefined");
    expect(await page.locator("img[src='x']").count()).toBe(0);

    const screenshots = mkdtempSync(join(tmpdir(), "imgdiff-report-shot-"));
    const shot = join(screenshots, "report.png");
    await page.screenshot({ path: shot, fullPage: true });
    const png = readFileSync(shot);
    expect(png.length).toBeGreaterThan(10_000);
    expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");

    await page.locator(".pager").first().locator("button.next").click();
    await page.waitForFunction(`document.querySelector(".pager button.current")?.textContent === "2"`);
    const secondPage = await items.evaluateAll((els) => els.map((e) => e.getAttribute("data-id")));
    const total = (readFileSync(join(dir, "metadata.jsonl"), "utf8").trim().split("\n")).length;
    expect(secondPage.length).toBe(Math.min(24, total - 24));
    expect(secondPage.length).toBeGreaterThan(0);
    expect(secondPage.filter((id) => firstPage.includes(id))).toEqual([]);
    expect(page.url()).toMatch(/#page=2$/);
    await page.locator(".pager").first().locator("button.prev").click();
    await page.waitForFunction(`document.querySelector(".pager button.current")?.textContent === "1"`);
    expect(await items.evaluateAll((els) => els.map((e) => e.getAttribute("data-id")))).toEqual(firstPage);
    expect(errors).toEqual([]);
    await page.close();
  });
});
