// The README's OpenTelemetry example, run: a request, its enqueue and the attempt are one trace; the attempt is counted.
import { expect, it } from "vitest";
import { db } from "./db.js";
import { tracedSignUp } from "./telemetry.js";

it("traces a request's enqueue and the attempt that ran the task as one trace, and counts the attempt", async () => {
  const user = await db.user.create({ data: { email: `traced-${Date.now()}@example.com` } });
  const { spans, completed } = await tracedSignUp(user.id);

  const request = spans.find((span) => span.name === "POST /signup")!;
  const send = spans.find((span) => span.name === "send accounts.sendWelcomeEmail")!;
  const process = spans.find((span) => span.name === "process accounts.sendWelcomeEmail")!;
  expect(send).toMatchObject({ traceId: request.traceId, parentSpanId: request.spanId });
  expect(process).toMatchObject({ traceId: request.traceId, parentSpanId: send.spanId });
  expect(process.attributes).toMatchObject({ "messaging.system": "prisma-tasks", "messaging.destination.name": "emails", "prisma_tasks.task.attempt": 1 });
  expect(completed).toMatchObject([{ attributes: { "prisma_tasks.task.name": "accounts.sendWelcomeEmail", "messaging.destination.name": "emails" }, value: 1 }]);
});
