import type { Clock } from 'cognito-local/lib/services/clock';
import type { Context } from 'cognito-local/lib/services/context';
import type { DataStore } from 'cognito-local/lib/services/dataStore/dataStore';
import {
  UserPoolServiceImpl,
  type User,
  type UserPool,
  type UserPoolServiceFactory,
} from 'cognito-local/lib/services/userPoolService';
import type { WriteBehindDataStore, WriteBehindDataStoreFactory } from './data-store';

/**
 * cognito-local's user pool, finding users by alias through an index. In an email-as-username
 * pool the internal username is a UUID, so every call the app makes names the user by email, and
 * cognito-local answered each by reading every user of the pool: two full scans per returning
 * sign-in, five per sign-up (~9 ms each at 10,000 users on the bench machine; docs/BENCHMARKS.md).
 * The index (data-store.ts) gives the same answer: the user whose sub, email (when emails are
 * usernames) or phone number (likewise) is the name asked for. Should two users ever match, the
 * original scan decides, as before. A pool created with `UsernameConfiguration.CaseSensitive:
 * false` (the embedded pool, and the console's default) matches the username and the email alias
 * in any capitalization, as Amazon Cognito does; cognito-local matched them exactly.
 */
class IndexedUserPoolService extends UserPoolServiceImpl {
  constructor(
    clients: DataStore,
    clock: Clock,
    private readonly store: WriteBehindDataStore,
    config: UserPool,
  ) {
    super(clients, clock, store, config);
  }

  override async getUserByUsername(ctx: Context, username: string): Promise<User | null> {
    const byUsername = await this.store.get<User>(ctx, ['Users', username]);
    if (byUsername) return byUsername;
    const aliases = this.options.UsernameAttributes ?? [];
    const holders = new Set([
      ...this.store.users.find('sub', username),
      ...(aliases.includes('email') ? this.store.users.find('email', username) : []),
      ...(aliases.includes('phone_number') ? this.store.users.find('phone_number', username) : []),
    ]);
    if (holders.size === 0 && this.options.UsernameConfiguration?.CaseSensitive === false) {
      // As Amazon Cognito with CaseSensitive false: any capitalization of the username or the
      // email alias names the same user (and AdminCreateUser then finds it: UsernameExistsException).
      const folded = [
        ...this.store.users.findIgnoringCase('username', username),
        ...(aliases.includes('email') ? this.store.users.findIgnoringCase('email', username) : []),
      ];
      if (new Set(folded).size === 1) return this.store.get<User>(ctx, ['Users', folded[0]!]);
    }
    if (holders.size === 0) return null;
    if (holders.size > 1) return super.getUserByUsername(ctx, username);
    return this.store.get<User>(ctx, ['Users', [...holders][0]!]);
  }
}

/** As cognito-local's UserPoolServiceFactoryImpl, with the indexed pool. */
export class IndexedUserPoolServiceFactory implements UserPoolServiceFactory {
  constructor(
    private readonly clock: Clock,
    private readonly dataStores: WriteBehindDataStoreFactory,
  ) {}

  async create(ctx: Context, clients: DataStore, defaultOptions: UserPool): Promise<UserPoolServiceImpl> {
    const store = await this.dataStores.create(ctx, defaultOptions.Id ?? '', { Users: {}, Options: defaultOptions });
    const config = (await store.get<UserPool>(ctx, 'Options')) ?? defaultOptions;
    return new IndexedUserPoolService(clients, this.clock, store, config);
  }
}
