/** What a pure domain decision returns: the aggregate's next state and the events that record why. */
export interface Decision<S, E> {
  readonly state: S
  readonly events: ReadonlyArray<E>
}

export const decide = <S, E>(state: S, ...events: ReadonlyArray<E>): Decision<S, E> => ({ state, events })
