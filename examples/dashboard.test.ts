// The README's dashboard example, run: the handler answers staff under its base path and refuses everyone else.
import { describe, expect, it } from "vitest";
import { dashboard } from "./dashboard.js";
import { generateReport } from "./tasks.js";
import { prisma } from "./prisma.js";

describe("the dashboard example", () => {
  it("shows staff the tasks under /admin/tasks and refuses a request without the staff header", async () => {
    await prisma.$tasks.enqueue(generateReport, { month: "2026-12" });
    const staff = await dashboard(new Request("http://app.example/admin/tasks/tasks", { headers: { "x-staff": "yes" } }));
    expect(staff.status).toBe(200);
    expect(await staff.text()).toContain("reports.generate");
    expect((await dashboard(new Request("http://app.example/admin/tasks/tasks"))).status).toBe(403);
  });
});
