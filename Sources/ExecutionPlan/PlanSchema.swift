/// JSON Schema (draft 2020-12) of `paraplan/v1` plans. `docs/plan-v1.schema.json` is this text;
/// a test keeps the two identical. `SchemaValidator` checks plans against it.
public enum PlanSchema {
    public static let text = #"""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "$id": "https://paraplan.dev/schema/plan-v1.json",
          "title": "ParaPlan execution plan, format paraplan/v1",
          "type": "object",
          "required": ["format", "kind", "predicted", "baselines", "solver", "inputs"],
          "properties": {
            "format": { "const": "paraplan/v1" },
            "kind": { "enum": ["sequence-parallel", "batch-balance", "expert-placement", "gnn-pipeline"] },
            "predicted": {
              "type": "object",
              "properties": { "lowerBoundSeconds": { "$ref": "#/$defs/seconds" } }
            },
            "baselines": {
              "type": "array",
              "items": {
                "type": "object",
                "required": ["name"],
                "properties": { "name": { "type": "string", "minLength": 1 } }
              }
            },
            "solver": {
              "type": "object",
              "required": ["backend", "status"],
              "properties": {
                "backend": { "type": "string", "minLength": 1 },
                "status": { "enum": ["optimal", "feasible", "heuristic"] },
                "seconds": { "$ref": "#/$defs/seconds" },
                "relativeGap": { "type": "number", "minimum": 0 }
              },
              "additionalProperties": false
            },
            "inputs": {
              "type": "object",
              "required": ["sha256", "summary"],
              "properties": {
                "sha256": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
                "batchSha256": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
                "summary": { "type": "string" }
              },
              "additionalProperties": false
            }
          },
          "allOf": [
            {
              "if": { "properties": { "kind": { "const": "sequence-parallel" } } },
              "then": { "$ref": "#/$defs/sequenceParallel" }
            },
            {
              "if": { "properties": { "kind": { "const": "batch-balance" } } },
              "then": { "$ref": "#/$defs/batchBalance" }
            },
            {
              "if": { "properties": { "kind": { "const": "expert-placement" } } },
              "then": { "$ref": "#/$defs/expertPlacement" }
            },
            {
              "if": { "properties": { "kind": { "const": "gnn-pipeline" } } },
              "then": { "$ref": "#/$defs/gnnPipeline" }
            }
          ],
          "$defs": {
            "seconds": { "type": "number", "minimum": 0 },
            "index": { "type": "integer", "minimum": 0 },
            "stepCost": {
              "required": ["stepSeconds"],
              "properties": { "stepSeconds": { "$ref": "#/$defs/seconds" } }
            },
            "expertCost": {
              "required": ["expertSeconds", "maxLoadTokens", "loadRatio"],
              "properties": {
                "expertSeconds": { "$ref": "#/$defs/seconds" },
                "maxLoadTokens": { "type": "number", "minimum": 0 },
                "loadRatio": { "type": "number", "minimum": 0 },
                "lowerBoundTokens": { "type": "number", "minimum": 0 },
                "interNodeTokens": { "type": "number", "minimum": 0 },
                "interNodeBytes": { "type": "number", "minimum": 0 },
                "moves": { "$ref": "#/$defs/index" }
              }
            },
            "epochCost": {
              "required": ["epochSeconds", "communicationBytes"],
              "properties": {
                "epochSeconds": { "$ref": "#/$defs/seconds" },
                "communicationBytes": { "type": "number", "minimum": 0 },
                "bubbleFraction": { "type": "number", "minimum": 0, "maximum": 1 }
              }
            },
            "gnnPipeline": {
              "required": ["graphParallelWays", "stages", "chunks", "mirrorsSource"],
              "properties": {
                "graphParallelWays": { "type": "integer", "minimum": 1 },
                "chunks": { "type": "integer", "minimum": 1 },
                "chunkOf": { "type": "array", "items": { "$ref": "#/$defs/index" } },
                "chunkOfFile": { "type": "string", "minLength": 1 },
                "chunkSizes": { "type": "array", "items": { "$ref": "#/$defs/index" } },
                "mirrorsSource": { "type": "string" },
                "predicted": { "$ref": "#/$defs/epochCost" },
                "baselines": { "items": { "$ref": "#/$defs/epochCost" } },
                "stages": {
                  "type": "array",
                  "minItems": 1,
                  "items": {
                    "type": "object",
                    "required": ["ranks", "layers"],
                    "properties": {
                      "ranks": { "type": "array", "minItems": 1, "items": { "$ref": "#/$defs/index" } },
                      "layers": { "type": "array", "minItems": 2, "items": { "$ref": "#/$defs/index" } }
                    },
                    "additionalProperties": false
                  }
                }
              }
            },
            "expertPlacement": {
              "required": ["experts", "gpusPerNode", "slotsPerGPU", "secondsPerToken", "layers"],
              "properties": {
                "experts": { "type": "integer", "minimum": 1 },
                "gpusPerNode": { "type": "integer", "minimum": 1 },
                "slotsPerGPU": { "type": "integer", "minimum": 1 },
                "secondsPerToken": { "type": "number", "exclusiveMinimum": 0 },
                "bytesPerToken": { "type": "number", "minimum": 0 },
                "predicted": { "$ref": "#/$defs/expertCost" },
                "baselines": { "items": { "$ref": "#/$defs/expertCost" } },
                "layers": {
                  "type": "array",
                  "minItems": 1,
                  "items": {
                    "type": "object",
                    "required": ["gpus", "shares", "maxLoad", "meanLoad"],
                    "properties": {
                      "gpus": { "type": "array", "minItems": 1, "items": { "type": "array", "items": { "$ref": "#/$defs/index" } } },
                      "shares": { "type": "array", "items": { "type": "array", "items": { "type": "number", "minimum": 0, "maximum": 1 } } },
                      "maxLoad": { "type": "number", "minimum": 0 },
                      "meanLoad": { "type": "number", "minimum": 0 },
                      "interNodeTokens": { "type": "number", "minimum": 0 },
                      "nodeTokens": { "type": "array", "items": { "type": "array", "items": { "type": "number", "minimum": 0 } } },
                      "dispatch": {
                        "type": "array",
                        "items": {
                          "type": "array",
                          "items": {
                            "type": "array",
                            "items": { "type": "array", "minItems": 2, "maxItems": 2, "items": { "type": "number", "minimum": 0 } }
                          }
                        }
                      }
                    },
                    "additionalProperties": false
                  }
                }
              }
            },
            "batchBalance": {
              "required": ["ranks"],
              "properties": {
                "predicted": { "$ref": "#/$defs/stepCost" },
                "baselines": { "items": { "$ref": "#/$defs/stepCost" } },
                "ranks": {
                  "type": "array",
                  "minItems": 1,
                  "items": {
                    "type": "object",
                    "required": ["rank", "microBatches", "predictedSeconds"],
                    "properties": {
                      "rank": { "$ref": "#/$defs/index" },
                      "predictedSeconds": { "$ref": "#/$defs/seconds" },
                      "microBatches": { "type": "array", "items": { "type": "array", "items": { "$ref": "#/$defs/index" } } },
                      "tokens": { "$ref": "#/$defs/index" }
                    },
                    "additionalProperties": false
                  }
                },
                "encoder": {
                  "type": "array",
                  "items": {
                    "type": "object",
                    "required": ["rank", "images", "predictedSeconds"],
                    "properties": {
                      "rank": { "$ref": "#/$defs/index" },
                      "predictedSeconds": { "$ref": "#/$defs/seconds" },
                      "images": { "type": "array", "items": { "type": "array", "minItems": 2, "maxItems": 2, "items": { "$ref": "#/$defs/index" } } },
                      "shards": {
                        "type": "array",
                        "items": {
                          "type": "object",
                          "required": ["sample", "image", "firstRank", "degree"],
                          "properties": {
                            "sample": { "$ref": "#/$defs/index" },
                            "image": { "$ref": "#/$defs/index" },
                            "firstRank": { "$ref": "#/$defs/index" },
                            "degree": { "type": "integer", "minimum": 2 }
                          },
                          "additionalProperties": false
                        }
                      }
                    },
                    "additionalProperties": false
                  }
                },
                "sends": {
                  "type": "array",
                  "items": {
                    "type": "object",
                    "required": ["sample", "from", "to"],
                    "properties": { "sample": { "$ref": "#/$defs/index" }, "from": { "$ref": "#/$defs/index" }, "to": { "$ref": "#/$defs/index" } },
                    "additionalProperties": false
                  }
                },
                "stepModel": { "enum": ["slowest-rank", "sum-of-phase-maxima"] },
                "moved": {
                  "type": "object",
                  "required": ["samples", "bytes"],
                  "properties": { "samples": { "$ref": "#/$defs/index" }, "bytes": { "type": "number", "minimum": 0 } },
                  "additionalProperties": false
                }
              }
            },
            "sequenceParallel": {
              "required": ["gpus", "microBatches"],
              "properties": {
                "gpus": { "type": "integer", "minimum": 1 },
                "predicted": { "$ref": "#/$defs/stepCost" },
                "baselines": { "items": { "$ref": "#/$defs/stepCost" } },
                "microBatches": {
                  "type": "array",
                  "minItems": 1,
                  "items": {
                    "type": "object",
                    "required": ["predictedSeconds", "groups"],
                    "properties": {
                      "predictedSeconds": { "$ref": "#/$defs/seconds" },
                      "groups": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                          "type": "object",
                          "required": ["degree", "firstRank", "sequences"],
                          "properties": {
                            "degree": { "type": "integer", "minimum": 1 },
                            "firstRank": { "type": "integer", "minimum": 0 },
                            "sequences": { "type": "array", "items": { "type": "integer", "minimum": 0 } },
                            "ulysses": { "type": "integer", "minimum": 1 },
                            "ring": { "type": "integer", "minimum": 1 }
                          },
                          "additionalProperties": false
                        }
                      }
                    },
                    "additionalProperties": false
                  }
                }
              }
            }
          }
        }
        """#
}
