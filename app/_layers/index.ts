import { passkeyLayer } from '@/lib/layers';
import { cognitoNativeScreens } from './cognito-native';
import { corbadoCompleteScreens } from './corbado-complete';
import { corbadoConnectScreens } from './corbado-connect';
import type { LayerScreens, LayerScreensByName } from './screens';
import { selfHostedScreens } from './self-hosted';

/** Every layer's screens, by the layer's name: a layer without screens does not compile. */
const SCREENS: LayerScreensByName = {
  'self-hosted': selfHostedScreens,
  'cognito-native': cognitoNativeScreens,
  'corbado-connect': corbadoConnectScreens,
  'corbado-complete': corbadoCompleteScreens,
};

/** The screens of the passkey layer this server runs (lib/layers/index.ts chooses it). */
export const layerScreens = (): LayerScreens => SCREENS[passkeyLayer().name];
