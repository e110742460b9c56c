import { redirect } from 'next/navigation';
import { getCurrentUser } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

export default async function Home() {
  redirect((await getCurrentUser()) ? '/account' : '/login');
}
