// JS unit tests run in Debian's Chromium (vitest browser mode), offline.
import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";

// vitest 5's reporter calls Map.groupBy (Node >= 21); these machines run Node 20.
if (!Map.groupBy) {
  Map.groupBy = (items, key) => {
    const out = new Map();
    let i = 0;
    for (const item of items) {
      const k = key(item, i++);
      if (!out.has(k)) out.set(k, []);
      out.get(k).push(item);
    }
    return out;
  };
}

export default defineConfig({
  server: { host: "127.0.0.1" },
  test: {
    include: ["js/**/*.test.js"],
    api: { host: "127.0.0.1" },
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: {
          executablePath: "/usr/bin/chromium",
          args: ["--no-sandbox", "--disable-dev-shm-usage"],
        },
      }),
      instances: [{ browser: "chromium" }],
    },
  },
});
