/** `npm run keys:challenge`: a new ES256 key pair for the CUSTOM_AUTH assertion. */
import { generateKeyPairSync } from 'node:crypto';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const oneLine = (pem: string) => pem.trim().replace(/\n/g, '\\n');
console.log('# The app signs with the private key (keep it secret, e.g. in your host\'s secret store):');
console.log(`AUTH_CHALLENGE_PRIVATE_KEY="${oneLine(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())}"`);
console.log('# The verify-auth-challenge Lambda holds only the public key:');
console.log(`AUTH_CHALLENGE_PUBLIC_KEY="${oneLine(publicKey.export({ type: 'spki', format: 'pem' }).toString())}"`);
