import * as Catalogue from "../../auth/domain/Catalogue.js"

/**
 * What the module adds to the permission catalogue (auth's): every action on organisations, and
 * conditional grants whose scope names organisations by slug. Its migration inserts the same rows;
 * the composition root lists these beside auth's for the in-memory catalogue.
 */
export const resource = "organisation"

export const catalogue = Catalogue.entries(resource, { instances: true })
