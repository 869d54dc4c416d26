#include "agent/state/agent_state.h"

#include <fstream>

#include "common/uuid.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::agent {
namespace {

using ::otasuke::testing::IsOk;
using ::otasuke::testing::StatusIs;
using ::otasuke::testing::TempDir;

TEST(AgentStateTest, GeneratesAnIdOnceAndKeepsIt) {
  TempDir dir;
  std::string id;
  {
    auto state = AgentState::Open(dir.path(), "");
    ASSERT_THAT(state, IsOk());
    id = (*state)->agent_id();
    EXPECT_TRUE(IsUuid(id));
  }
  auto again = AgentState::Open(dir.path(), "");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ((*again)->agent_id(), id);
}

TEST(AgentStateTest, SequencesNeverRepeatAcrossRestarts) {
  TempDir dir;
  uint64_t last = 0;
  for (int restart = 0; restart < 3; ++restart) {
    auto state = AgentState::Open(dir.path(), "agent-1");
    ASSERT_THAT(state, IsOk());
    for (int i = 0; i < 10; ++i) {
      auto seq = (*state)->NextSequence();
      ASSERT_THAT(seq, IsOk());
      EXPECT_GT(*seq, last);
      last = *seq;
    }
  }
  // Each restart skips to the next reserved block.
  EXPECT_GT(last, 2 * AgentState::kSequenceBlock);
}

TEST(AgentStateTest, SequencesStartAtOne) {
  TempDir dir;
  auto state = AgentState::Open(dir.path(), "");
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(*(*state)->NextSequence(), 1u);
  EXPECT_EQ(*(*state)->NextSequence(), 2u);
}

TEST(AgentStateTest, CorruptStateFileIsAClearError) {
  TempDir dir;
  std::ofstream(dir.file("agent-state.json")) << "{not json";
  auto state = AgentState::Open(dir.path(), "");
  EXPECT_THAT(state, StatusIs(absl::StatusCode::kDataLoss, "agent-state.json"));
}

TEST(AgentStateTest, UnwritableStateDirectoryIsAClearError) {
  auto state = AgentState::Open("/proc/otasuke-no-such-dir/x", "");
  EXPECT_FALSE(state.ok());
  EXPECT_NE(std::string(state.status().message()).find("/proc/otasuke-no-such-dir"),
            std::string::npos);
}

}  // namespace
}  // namespace otasuke::agent
