/*
 * paraplan.h: the C ABI of libparaplan, ParaPlan's planners in-process.
 *
 * Every function that can fail returns the CLI's exit code:
 *   PP_OK (0), PP_INTERNAL (1), PP_BAD_INPUT (2), PP_INFEASIBLE (3),
 * and hands out one malloc'd, NUL-terminated UTF-8 string through its last argument: the answer on success, the
 * one-line message the CLI prints on failure. Release it with pp_free. Nothing a caller passes can make the library
 * trap: pointers, counts and sizes are checked before use, values by the planners' validation.
 *
 * Options and requests are JSON objects keyed by the CLI's flag names without the leading dashes
 * ("micro-batches": 4, "equal-counts": true). A model, cluster or profile is a preset name or file path (a string)
 * or the document itself (an object).
 *
 * Plans come back as handles (pp_plan). pp_plan_export gives a plan's numbers as two flat arrays (int64, float64)
 * with a small JSON header naming where each field sits, which a binding copies without parsing any JSON;
 * pp_plan_json gives the plan's canonical JSON, byte for byte what the CLI writes for the same inputs and options, on
 * every machine and from every entry point.
 *
 * Threads: planners are immutable once made; any number of threads may plan with one planner at once.
 */
#ifndef PARAPLAN_H
#define PARAPLAN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes; a binding refuses a library whose pp_abi_version() differs. */
#define PARAPLAN_ABI_VERSION 1u

enum pp_status { PP_OK = 0, PP_INTERNAL = 1, PP_BAD_INPUT = 2, PP_INFEASIBLE = 3 };

typedef struct pp_planner pp_planner;
typedef struct pp_plan pp_plan;

uint32_t pp_abi_version(void);
/* The library's version, e.g. "0.1.0"; static storage, not to be freed. */
const char *pp_version(void);
/* Releases a string this library handed out; NULL is ignored. */
void pp_free(char *text);

/*
 * Makes a planner once, to be reused every step. kind: "sequence-parallel", "batch-balance", "expert-placement" or
 * "gnn-pipeline"; options: the flags of `paraplan plan KIND` as JSON. On success *planner is set and *error is NULL;
 * on failure *planner is NULL and *error holds the message.
 */
int32_t pp_planner_new(const char *kind, const char *options, pp_planner **planner, char **error);
/* Frees a planner; NULL and pointers already freed are ignored. */
void pp_planner_free(pp_planner *planner);

/*
 * The pp_plan_* functions plan one step. On success *plan is a new plan handle (free it with pp_plan_free) and
 * *error is NULL; on failure *plan is NULL and *error holds the message.
 */

/* lengths[count]: one step's sequence lengths in tokens. */
int32_t pp_plan_sequence_parallel(const pp_planner *planner, const int64_t *lengths, int64_t count, pp_plan **plan,
                                  char **error);

/*
 * tokens[count]: each sample's tokens (image tokens included). image_offsets[count + 1] (or NULL for text): sample
 * i's images are image_tokens[image_offsets[i] .. image_offsets[i + 1]). loaded_ranks[count] (or NULL): the
 * data-parallel rank each sample was loaded on, to count and reduce movement.
 */
int32_t pp_plan_batch_balance(const pp_planner *planner, const int64_t *tokens, int64_t count, const int64_t *image_offsets,
                              const int64_t *image_tokens, const int64_t *loaded_ranks, pp_plan **plan, char **error);

/*
 * loads[layers * experts], row-major: tokens routed to each expert. origins[layers * origin_gpus * experts] (or
 * NULL): tokens each GPU routes to each expert. previous (or NULL): the expert-placement plan now running (JSON).
 */
int32_t pp_plan_expert_placement(const pp_planner *planner, const double *loads, int64_t layers, int64_t experts,
                                 const double *origins, int64_t origin_gpus, const char *previous, pp_plan **plan,
                                 char **error);

/*
 * Either edges[edge_count * 2], row-major (u, v) pairs of vertex ids from 0, with vertices the vertex count (0: the
 * largest id + 1), or graph_stats: JSON {"vertices", "edges", "mirrors"}. The other is NULL.
 */
int32_t pp_plan_gnn_pipeline(const pp_planner *planner, const int64_t *edges, int64_t edge_count, int64_t vertices,
                             const char *graph_stats, pp_plan **plan, char **error);

/* A plan from its JSON text, validated first (source names it in errors; NULL: "plan"). */
int32_t pp_plan_load(const char *text, const char *source, pp_plan **plan, char **error);

/*
 * header: JSON {"plan": every field but the bulk arrays, "arrays": {NAME: {"type": "int64" | "float64", "offset",
 * "count"}}}, to pp_free (or the message on failure). ints and doubles point into the plan and stay valid until
 * pp_plan_free. docs/python.md lists each kind's arrays.
 */
int32_t pp_plan_export(const pp_plan *plan, char **header, const int64_t **ints, int64_t *int_count, const double **doubles,
                       int64_t *double_count);
/* The plan's canonical JSON (compact != 0: one line, as --compact writes it; else pretty, as --output writes it). */
int32_t pp_plan_json(const pp_plan *plan, int32_t compact, char **result);
/* Frees a plan; NULL and pointers already freed are ignored. */
void pp_plan_free(pp_plan *plan);

/*
 * The CLI's other commands, by name, with a JSON request:
 *   "presets"  {}                                              -> {"gpus", "clusters", "models"}
 *   "estimate" the flags of `paraplan estimate`                -> what `estimate --json` prints
 *   "layouts"  the flags of `paraplan layouts` ("cp": [1, 2])  -> what `layouts --json` prints
 *   "validate" {"plan": TEXT, "source": NAME}                  -> {"kind", "description"}
 *   "format"   {"plan": TEXT, "source": NAME, "compact": BOOL} -> the plan's canonical text
 *   "compare"  {"plans": [{"label", "plan"}], "format": "json" | "table" | "markdown" | "csv"}
 *   "whatif"   {"trace": CSV TEXT, "meta": TEXT, "source": NAME, "layers": N}  -> what `whatif --json` prints
 */
int32_t pp_call(const char *command, const char *request, char **result);

#ifdef __cplusplus
}
#endif

#endif /* PARAPLAN_H */
