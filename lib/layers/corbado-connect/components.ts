import 'server-only';
import { corbadoProject } from '../corbado-project';

/** What Connect's browser components are given: the project, and where its Frontend API lives. */
export function connectComponentsProject(): { projectId: string; frontendApiUrlSuffix: string } {
  const { projectId, frontendApiUrlSuffix } = corbadoProject('connect');
  return { projectId, frontendApiUrlSuffix };
}
