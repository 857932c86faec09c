// What differs from one resource type to the next: decoding (conversion and defaulting of the v1 wire form),
// validation on create and update, and a few store flags. Mirrors the per-type `strategy.go` files under
// pkg/registry/<group>/<resource>/ and the rest.RESTCreateStrategy / rest.RESTUpdateStrategy interfaces
// (staging/src/k8s.io/apiserver/pkg/registry/rest/create.go, update.go).

import type { FieldError } from '../field-errors.js';
import type { NameFn } from '../k8s-names.js';
import type { KubeObject } from '../types.js';

export interface KindStrategy {
  /** The name rule of ValidateObjectMeta for this type (NameIsDNSSubdomain, NameIsDNSLabel...). */
  readonly nameFn: NameFn;
  /** Core group types also check finalizer names (pkg/apis/core/validation validateKubeFinalizerName). */
  readonly coreGroup: boolean;
  /** Top-level fields of the type: unknown ones are dropped on decode, as the JSON decoder drops them. */
  readonly fields?: readonly string[];
  /** rest.RESTUpdateStrategy.AllowUnconditionalUpdate: may a PUT omit metadata.resourceVersion? */
  readonly allowUnconditionalUpdate: boolean;
  /** Whether the type keeps metadata.generation (custom resources do; Secrets, ConfigMaps... have none). */
  readonly tracksGeneration: boolean;
  /**
   * Wire-format decoding of a request body: conversion to the internal form and SetDefaults_* of
   * pkg/apis/<group>/v1/defaults.go. Mutates `obj`; throws an HttpError 400 when the body cannot be decoded.
   */
  decode?(obj: KubeObject): void;
  /** PrepareForCreate. */
  prepareForCreate?(obj: KubeObject): void;
  /** PrepareForUpdate: fields a main-resource write may not change. */
  prepareForUpdate?(next: KubeObject, prev: KubeObject): void;
  validateCreate(obj: KubeObject): FieldError[];
  validateUpdate(next: KubeObject, prev: KubeObject): FieldError[];
}
