#pragma once
// The words of a rotation: condition reasons and the messages a person reads in status,
// Events and the log. None of them ever holds a secret: outcomes are scrubbed already.
#include <string>

#include "cloud/outcome.hpp"

namespace rotor::rotation {

// "Unknown DCS.4049": an answer's kind and code, for the record.
std::string describe_answer(const cloud::Outcome& o);
// The condition reason for an answer that did not complete a rotation.
const char* answer_reason(cloud::OutcomeKind k);
// What a person must do to lift a block of this reason.
std::string block_message(const std::string& reason);

}  // namespace rotor::rotation
