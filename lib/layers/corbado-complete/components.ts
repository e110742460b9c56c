import 'server-only';
import { corbadoProject } from '../corbado-project';

/** The project id Corbado Complete's browser components are given. */
export const completeComponentsProjectId = (): string => corbadoProject('complete').projectId;
