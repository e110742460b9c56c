/**
 * `npm run keys:challenge`: a new ES256 key pair for the CUSTOM_AUTH assertion, with its kid
 * (the RFC 7638 thumbprint the assertions and the verify function's logs name it by). For a
 * rotation, add the printed public key to the function's AUTH_CHALLENGE_PUBLIC_KEYS first
 * (docs/DEPLOYMENT.md).
 */
import { generateKeyPairSync } from 'node:crypto';
import { challengeKeyId } from '../lib/cognito/challenge/keys';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const oneLine = (pem: string) => pem.trim().replace(/\n/g, '\\n');
console.log(`# kid ${challengeKeyId(publicKey)}`);
console.log("# The app signs with the private key (keep it secret, e.g. in your host's secret store):");
console.log(`AUTH_CHALLENGE_PRIVATE_KEY="${oneLine(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())}"`);
console.log(
  '# The verify-auth-challenge Lambda holds only public keys; during a rotation, this one after the current one:',
);
console.log(`AUTH_CHALLENGE_PUBLIC_KEYS="${oneLine(publicKey.export({ type: 'spki', format: 'pem' }).toString())}"`);
