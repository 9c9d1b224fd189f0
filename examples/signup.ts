// Safe dispatch: the welcome email is enqueued in the same transaction as the user, so it exists only if they do.
import { prisma } from "./prisma.js";
import { sendWelcomeEmail } from "./tasks.js";

export async function signUp(email: string) {
  return prisma.$transaction(async (tx) => {
    const user = await tx.user.create({ data: { email } });
    await tx.$tasks.enqueue(sendWelcomeEmail, { userId: user.id });
    return user;
  });
}
