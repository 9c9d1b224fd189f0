// Example tasks: pass ids, load records inside the task, return plain values.
import { task } from "prisma-tasks";
import { z } from "zod";
import { db } from "./db.js";

export const sendWelcomeEmail = task(
  {
    name: "accounts.sendWelcomeEmail",
    args: z.object({ userId: z.number().int() }),
    queueName: "emails",
  },
  async ({ userId }) => {
    const user = await db.user.findUniqueOrThrow({ where: { id: userId } });
    // ...hand the message to your mail provider here...
    return { sentTo: user.email };
  },
);

export const generateReport = task(
  {
    name: "reports.generate",
    args: z.object({ month: z.string().regex(/^\d{4}-\d{2}$/) }),
    priority: 10,
    timeoutMs: 30_000,
  },
  async ({ month }, ctx) => {
    const users = await db.user.count();
    return { month, users, attempt: ctx.attempt };
  },
);

export class PaymentDeclined extends Error {
  override name = "PaymentDeclined";
}

export const chargeCard = task(
  {
    name: "billing.chargeCard",
    args: z.object({ orderId: z.number().int(), cents: z.number().int().positive() }),
    maxAttempts: 3,
    retryDelay: (attempt) => attempt * 250,
  },
  async ({ orderId, cents }) => {
    if (cents > 100_000) throw new PaymentDeclined(`order ${orderId}: ${cents} cents is over the card limit`);
    return { orderId, charged: cents };
  },
);

export const syncProfile = task(
  {
    name: "accounts.syncProfile",
    args: z.object({ userId: z.number().int(), reason: z.string() }),
    // One waiting sync per user: a later enqueue gives it its args instead of adding another (see Unique tasks).
    unique: { key: ({ userId }) => `profile:${userId}`, onConflict: "replace" },
  },
  async ({ userId, reason }) => {
    const user = await db.user.findUniqueOrThrow({ where: { id: userId } });
    // ...send the profile to your CRM here...
    return { synced: user.email, reason };
  },
);

export const allTasks = [sendWelcomeEmail, generateReport, chargeCard, syncProfile];
