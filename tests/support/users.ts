import { AdminCreateUserCommand, AdminSetUserPasswordCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { TestCognito } from './stack';

/** A confirmed password user, made the way an admin would (as `npm run users:add` does). */
export async function addPasswordUser(stack: TestCognito, email: string, password: string): Promise<void> {
  await stack.sdk.send(
    new AdminCreateUserCommand({
      UserPoolId: stack.cognito.userPoolId,
      Username: email,
      MessageAction: 'SUPPRESS',
      TemporaryPassword: password,
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'email_verified', Value: 'true' },
      ],
    }),
  );
  await stack.sdk.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: stack.cognito.userPoolId,
      Username: email,
      Password: password,
      Permanent: true,
    }),
  );
}
