import { getConfig, type AppConfig } from '../config';
import { AppError } from '../errors';
import { cognitoNativeLayer } from './cognito-native/layer';
import { corbadoCompleteLayer } from './corbado-complete/layer';
import { corbadoConnectLayer } from './corbado-connect/layer';
import { LAYER_ROUTES, type LayerRoute, type PasskeyLayer } from './layer';
import { selfHostedLayer } from './self-hosted/layer';

export type { LayerRoute, PasskeyLayer, PasskeyLayerName } from './layer';

/**
 * The one place that knows which passkey layer runs: self-hosted WebAuthn without Corbado,
 * else the configured Corbado mode. Everything else asks the layer this returns.
 */
function chooseLayer(config: AppConfig): PasskeyLayer {
  const { corbado } = config;
  if (config.passkeyLayer === 'cognito-native') return cognitoNativeLayer(config);
  if (!corbado) return selfHostedLayer();
  return corbado.mode === 'connect' ? corbadoConnectLayer(corbado) : corbadoCompleteLayer(corbado);
}

const chosen = new WeakMap<AppConfig, PasskeyLayer>();

/** The passkey layer of this configuration (the configuration is parsed once, so is this). */
export function passkeyLayer(config: AppConfig = getConfig()): PasskeyLayer {
  let layer = chosen.get(config);
  if (!layer) {
    layer = chooseLayer(config);
    chosen.set(config, layer);
  }
  return layer;
}

/** Whether the chosen layer serves this route. */
export const serves = (route: LayerRoute): boolean => passkeyLayer().routes.includes(route);

/** The chosen layer, when it serves this route; else the route's refusal (a 404, as always). */
export function requireRoute(route: LayerRoute): PasskeyLayer {
  if (!serves(route)) throw new AppError(LAYER_ROUTES[route].refusal);
  return passkeyLayer();
}
