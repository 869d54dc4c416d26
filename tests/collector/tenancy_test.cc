// Tenants, responders and rotas on a real SQLite file: bulk import from YAML and CSV (all or
// nothing, errors naming file:line and field), overlap rejection, and the on-call question in
// the region's own time zone.

#include <fstream>

#include "collector/store/schema.h"
#include "collector/store/sqlite_db.h"
#include "collector/tenancy/import.h"
#include "collector/tenancy/sqlite_tenant_directory.h"
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::collector::tenancy {
namespace {

using ::otasuke::testing::IsOk;
using ::otasuke::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kTeamYaml[] = R"yaml(
regions:
  - name: setagaya
    time_zone: Asia/Tokyo
tenants:
  - id: sakura-bakery
    name: さくらベーカリー
    region: setagaya
    owner: {name: 佐藤 花子, phone: "+81-3-1234-5678", email: owner@sakura.example, chat: "@sato"}
    secondary: {name: 佐藤 一郎, phone: "+81-90-1111-2222"}
    address: 東京都世田谷区1-2-3
    access_notes: 裏口から。朝7時以降。
    service_hours: Mon-Sat 07:00-19:00
    ack_sla: {critical: 10m, high: 15m, medium: 1h, low: 0}
    containment: automatic
    dispatch_threshold: high
responders:
  - handle: tanaka
    name: 田中 太郎
    role: responder
    regions: [setagaya]
    skills: [endpoint, network]
    email: tanaka@helpers.example
    webhook: http://127.0.0.1:9/tanaka
  - handle: suzuki
    name: 鈴木 次郎
    regions: [setagaya]
    skills: [endpoint]
  - handle: yamada
    name: 山田 三郎
    role: lead
    regions: [setagaya]
  - handle: sato-view
    name: 佐藤 (閲覧)
    role: viewer
    tenant: sakura-bakery
rota:
  - {region: setagaya, tier: primary, responder: tanaka, days: [mon, tue, wed, thu, fri], start: "09:00", end: "18:00"}
  - {region: setagaya, tier: secondary, responder: suzuki, days: [mon], start: "00:00", end: "24:00"}
)yaml";

// 2026-11-23 is a Monday.
absl::Time Tokyo(int day, int hour, int minute = 0) {
  absl::TimeZone tokyo;
  EXPECT_TRUE(absl::LoadTimeZone("Asia/Tokyo", &tokyo));
  return absl::FromCivil(absl::CivilMinute(2026, 11, day, hour, minute), tokyo);
}

std::vector<std::string> Handles(const std::vector<Responder>& responders) {
  std::vector<std::string> out;
  for (const Responder& r : responders) out.push_back(r.handle);
  return out;
}

class TenancyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = SqliteDb::Open(dir_.file("collector.db"), {});
    ASSERT_THAT(db, IsOk());
    ASSERT_THAT(ApplyMigrations(**db, AllMigrations()), IsOk());
    auto directory = SqliteTenantDirectory::Open(dir_.file("collector.db"), clock_);
    ASSERT_THAT(directory, IsOk());
    directory_ = std::move(*directory);
  }

  std::string Write(const std::string& name, std::string_view text) {
    std::ofstream(dir_.file(name), std::ios::binary) << text;
    return dir_.file(name);
  }

  absl::StatusOr<ImportCounts> ImportFiles(const std::vector<std::string>& paths) {
    ImportBundle bundle;
    for (const std::string& path : paths) RETURN_IF_ERROR(ParseImportFile(path, bundle));
    return directory_->Import(bundle, "test");
  }

  otasuke::testing::TempDir dir_;
  ManualClock clock_{Tokyo(23, 10)};
  std::unique_ptr<SqliteTenantDirectory> directory_;
};

TEST_F(TenancyTest, YamlImportRoundTripsEveryField) {
  auto counts = ImportFiles({Write("team.yaml", kTeamYaml)});
  ASSERT_THAT(counts, IsOk());
  EXPECT_EQ(counts->regions, 1);
  EXPECT_EQ(counts->tenants, 1);
  EXPECT_EQ(counts->responders, 4);
  EXPECT_EQ(counts->rota_entries, 6);  // five weekdays + one

  auto tenant = directory_->GetTenant("sakura-bakery");
  ASSERT_THAT(tenant, IsOk());
  EXPECT_EQ(tenant->name, "さくらベーカリー");
  EXPECT_EQ(tenant->owner.email, "owner@sakura.example");
  EXPECT_EQ(tenant->secondary.phone, "+81-90-1111-2222");
  EXPECT_EQ(tenant->access_notes, "裏口から。朝7時以降。");
  EXPECT_EQ(tenant->ack_sla.critical, absl::Minutes(10));
  EXPECT_EQ(tenant->ack_sla.medium, absl::Hours(1));
  EXPECT_EQ(tenant->ack_sla.low, absl::ZeroDuration());
  EXPECT_EQ(tenant->containment, Containment::kAutomatic);
  EXPECT_EQ(tenant->dispatch_threshold, v1::SEVERITY_HIGH);

  auto tanaka = directory_->GetResponder("tanaka");
  ASSERT_THAT(tanaka, IsOk());
  EXPECT_THAT(tanaka->skills, ElementsAre("endpoint", "network"));
  EXPECT_THAT(tanaka->regions, ElementsAre("setagaya"));
  EXPECT_EQ(tanaka->webhook, "http://127.0.0.1:9/tanaka");
  auto viewer = directory_->GetResponder("sato-view");
  ASSERT_THAT(viewer, IsOk());
  EXPECT_EQ(viewer->role, Role::kViewer);
  EXPECT_EQ(viewer->viewer_tenant_id, "sakura-bakery");
}

TEST_F(TenancyTest, MarketDefaultsApplyWhenTheContractSaysNothing) {
  Tenant tenant{.id = "t1", .name = "T1", .region = "r", .owner = {.phone = "1"}};
  ASSERT_THAT(directory_->UpsertTenant(tenant, "test"), IsOk());
  auto stored = directory_->GetTenant("t1");
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->ack_sla.For(v1::SEVERITY_CRITICAL), absl::Minutes(15));
  EXPECT_EQ(stored->ack_sla.For(v1::SEVERITY_HIGH), absl::Minutes(15));
  EXPECT_EQ(stored->ack_sla.For(v1::SEVERITY_MEDIUM), absl::Minutes(60));
  EXPECT_EQ(stored->ack_sla.For(v1::SEVERITY_LOW), absl::ZeroDuration());
  EXPECT_EQ(stored->dispatch_threshold, v1::SEVERITY_MEDIUM);
  EXPECT_EQ(stored->containment, Containment::kApprovalRequired);
}

TEST_F(TenancyTest, OnCallFollowsTheWeeklyRotaInTokyoTime) {
  ASSERT_THAT(ImportFiles({Write("team.yaml", kTeamYaml)}), IsOk());
  // Monday 10:00 in Tokyo is Monday 01:00 UTC.
  auto monday = directory_->OnCallFor("sakura-bakery", Tokyo(23, 10));
  ASSERT_THAT(monday, IsOk());
  EXPECT_THAT(Handles(monday->primary), ElementsAre("tanaka"));
  EXPECT_THAT(Handles(monday->secondary), ElementsAre("suzuki"));
  EXPECT_THAT(Handles(monday->leads), ElementsAre("yamada"));
  // 08:59 is before the shift; 18:00 is its (exclusive) end.
  auto early = directory_->OnCallFor("sakura-bakery", Tokyo(23, 8, 59));
  ASSERT_THAT(early, IsOk());
  EXPECT_THAT(early->primary, IsEmpty());
  auto evening = directory_->OnCallFor("sakura-bakery", Tokyo(23, 18));
  ASSERT_THAT(evening, IsOk());
  EXPECT_THAT(evening->primary, IsEmpty());
  // Tuesday: the Monday-only secondary is off.
  auto tuesday = directory_->OnCallFor("sakura-bakery", Tokyo(24, 9));
  ASSERT_THAT(tuesday, IsOk());
  EXPECT_THAT(Handles(tuesday->primary), ElementsAre("tanaka"));
  EXPECT_THAT(tuesday->secondary, IsEmpty());
}

TEST_F(TenancyTest, OverrideReplacesTheWeeklyEntryWhileItLasts) {
  ASSERT_THAT(ImportFiles({Write("team.yaml", kTeamYaml)}), IsOk());
  RotaEntry swap{.region = "setagaya", .tier = Tier::kPrimary, .responder = "suzuki"};
  swap.starts_at = Tokyo(23, 12);
  swap.ends_at = Tokyo(23, 14);
  ASSERT_THAT(directory_->AddRotaEntry(swap, "test"), IsOk());
  auto during = directory_->OnCallFor("sakura-bakery", Tokyo(23, 13));
  ASSERT_THAT(during, IsOk());
  EXPECT_THAT(Handles(during->primary), ElementsAre("suzuki"));
  auto after = directory_->OnCallFor("sakura-bakery", Tokyo(23, 14));
  ASSERT_THAT(after, IsOk());
  EXPECT_THAT(Handles(after->primary), ElementsAre("tanaka"));
}

TEST_F(TenancyTest, OverlappingRotaEntriesAreRejectedWithBothNamed) {
  ASSERT_THAT(ImportFiles({Write("team.yaml", kTeamYaml)}), IsOk());
  RotaEntry overlap{.region = "setagaya", .tier = Tier::kPrimary, .responder = "suzuki"};
  overlap.weekday = absl::Weekday::tuesday;
  overlap.start_minute = 17 * 60;
  overlap.end_minute = 20 * 60;
  auto added = directory_->AddRotaEntry(overlap, "test");
  EXPECT_THAT(added, StatusIs(absl::StatusCode::kAlreadyExists, "overlaps entry"));
  EXPECT_THAT(std::string(added.status().message()), HasSubstr("primary tue 09:00-18:00 tanaka"));
  // Touching is not overlapping; another tier is independent.
  overlap.start_minute = 18 * 60;
  EXPECT_THAT(directory_->AddRotaEntry(overlap, "test"), IsOk());
  RotaEntry secondary = overlap;
  secondary.tier = Tier::kSecondary;
  secondary.start_minute = 9 * 60;
  EXPECT_THAT(directory_->AddRotaEntry(secondary, "test"), IsOk());
}

TEST_F(TenancyTest, UnknownTenantAndResponderAreNamed) {
  EXPECT_THAT(directory_->GetTenant("nobody"),
              StatusIs(absl::StatusCode::kNotFound, "unknown tenant 'nobody'"));
  EXPECT_THAT(directory_->OnCallFor("nobody", clock_.Now()),
              StatusIs(absl::StatusCode::kNotFound, "unknown tenant 'nobody'"));
  EXPECT_THAT(directory_->GetResponder("ghost"),
              StatusIs(absl::StatusCode::kNotFound, "unknown responder 'ghost'"));
  RotaEntry entry{.region = "r",
                  .responder = "ghost",
                  .weekday = absl::Weekday::monday,
                  .start_minute = 0,
                  .end_minute = 60};
  EXPECT_THAT(directory_->AddRotaEntry(entry, "test"),
              StatusIs(absl::StatusCode::kNotFound, "unknown responder 'ghost'"));
  Responder viewer{.handle = "v", .name = "V", .role = Role::kViewer, .viewer_tenant_id = "nobody"};
  EXPECT_THAT(directory_->UpsertResponder(viewer, "test"),
              StatusIs(absl::StatusCode::kNotFound, "tenant: unknown tenant 'nobody'"));
}

TEST_F(TenancyTest, ImportIsAllOrNothingAndNamesFileLineAndField) {
  // Valid tenants and responders, then a rota row naming a responder nobody defined.
  std::string yaml = std::string(kTeamYaml) +
                     "  - {region: setagaya, tier: primary, responder: ghost, days: [sat], "
                     "start: \"09:00\", end: \"12:00\"}\n";
  auto counts = ImportFiles({Write("team.yaml", yaml)});
  EXPECT_THAT(counts, StatusIs(absl::StatusCode::kInvalidArgument, "nothing was changed"));
  EXPECT_THAT(std::string(counts.status().message()),
              HasSubstr("team.yaml:40: responder: unknown responder 'ghost'"));
  auto tenants = directory_->ListTenants();
  ASSERT_THAT(tenants, IsOk());
  EXPECT_THAT(*tenants, IsEmpty());
  auto responders = directory_->ListResponders();
  ASSERT_THAT(responders, IsOk());
  EXPECT_THAT(*responders, IsEmpty());
}

TEST_F(TenancyTest, OverlapInsideOneImportIsRejected) {
  std::string yaml = std::string(kTeamYaml) +
                     "  - {region: setagaya, tier: primary, responder: suzuki, days: [fri], "
                     "start: \"17:00\", end: \"19:00\"}\n";
  auto counts = ImportFiles({Write("team.yaml", yaml)});
  EXPECT_THAT(counts, StatusIs(absl::StatusCode::kInvalidArgument, "team.yaml:40: rota entry"));
  EXPECT_THAT(std::string(counts.status().message()), HasSubstr("overlaps entry"));
  auto rota = directory_->ListRota("");
  ASSERT_THAT(rota, IsOk());
  EXPECT_THAT(*rota, IsEmpty());
}

TEST_F(TenancyTest, CsvImportHandlesQuotesBomAndLists) {
  std::string tenants =
      "\xEF\xBB\xBFid,name,region,owner_name,owner_phone,address,ack_sla_high,dispatch_"
      "threshold\r\n"
      "kaede-dental,\"かえで歯科, "
      "本院\",setagaya,楓,03-0000-0000,\"1-2-3\nビル2F\",5m,critical\r\n";
  std::string responders =
      "handle,name,role,regions,skills,webhook\n"
      "tanaka,田中,responder,setagaya;meguro,endpoint;network,http://127.0.0.1:9/t\n";
  std::string rota =
      "region,tier,responder,days,start,end,from,until\n"
      "setagaya,primary,tanaka,mon;tue,09:00,18:00,,\n"
      "setagaya,primary,tanaka,,,,2026-11-28T09:00:00+09:00,2026-11-28T12:00:00+09:00\n";
  auto counts = ImportFiles({Write("tenants.csv", tenants), Write("responders.csv", responders),
                             Write("rota.csv", rota)});
  ASSERT_THAT(counts, IsOk());
  EXPECT_EQ(counts->rota_entries, 3);
  auto tenant = directory_->GetTenant("kaede-dental");
  ASSERT_THAT(tenant, IsOk());
  EXPECT_EQ(tenant->name, "かえで歯科, 本院");
  EXPECT_EQ(tenant->address, "1-2-3\nビル2F");
  EXPECT_EQ(tenant->ack_sla.high, absl::Minutes(5));
  EXPECT_EQ(tenant->dispatch_threshold, v1::SEVERITY_CRITICAL);
  auto tanaka = directory_->GetResponder("tanaka");
  ASSERT_THAT(tanaka, IsOk());
  EXPECT_THAT(tanaka->regions, ElementsAre("meguro", "setagaya"));
  auto saturday = directory_->OnCallFor("kaede-dental", Tokyo(28, 10));
  ASSERT_THAT(saturday, IsOk());
  EXPECT_THAT(Handles(saturday->primary), ElementsAre("tanaka"));
}

TEST_F(TenancyTest, MalformedImportFilesReportEveryErrorWithItsPlace) {
  ImportBundle bundle;
  absl::Status csv =
      ParseImportFile(Write("tenants.csv",
                            "id,name,region,owner_email,dispatch_threshold,colour\n"
                            "a,A,r,not-an-email,high,\n"      // line 2: bad email
                            "b,B,r,b@example.com,urgent,\n"   // line 3: bad severity
                            "c,C,r,c@example.com,low,blue\n"  // line 4: fine (colour ignored)
                            "d,D\n"),                         // line 5: short row
                      bundle);
  EXPECT_THAT(csv, StatusIs(absl::StatusCode::kInvalidArgument, "4 errors, nothing imported"));
  EXPECT_THAT(std::string(csv.message()),
              HasSubstr("tenants.csv:2: owner.email: 'not-an-email' is not an"));
  EXPECT_THAT(std::string(csv.message()),
              HasSubstr("tenants.csv:3: dispatch_threshold: unknown severity"));
  EXPECT_THAT(std::string(csv.message()), HasSubstr("tenants.csv:1: colour: unknown column"));
  EXPECT_THAT(std::string(csv.message()),
              HasSubstr("tenants.csv:5: 2 fields but the header has 6"));
  EXPECT_THAT(bundle.tenants, IsEmpty());

  EXPECT_THAT(ParseImportFile(Write("rota.csv", "region,days\n\"setagaya,mon\n"), bundle),
              StatusIs(absl::StatusCode::kInvalidArgument, "rota.csv:2: unterminated quoted"));
  EXPECT_THAT(ParseImportFile(Write("people.csv", "handle\n"), bundle),
              StatusIs(absl::StatusCode::kInvalidArgument, "file name must start with"));
  EXPECT_THAT(ParseImportFile(Write("bad.yaml", "tenants: [ {id: x\n"), bundle),
              StatusIs(absl::StatusCode::kInvalidArgument, "bad.yaml:"));
  EXPECT_THAT(
      ParseImportFile(Write("sections.yaml", "tenant:\n  - {id: x}\n"), bundle),
      StatusIs(absl::StatusCode::kInvalidArgument, "sections.yaml:1: tenant: unknown section"));
  absl::Status rota = ParseImportFile(
      Write("rota2.yaml",
            "rota:\n"
            "  - {region: r, responder: a, days: [mon], start: \"25:00\", end: \"26:00\"}\n"
            "  - {region: r, responder: a, days: [mon], start: \"09:00\"}\n"
            "  - {region: r, responder: a, days: [mon], from: 2026-11-23T09:00:00+09:00}\n"
            "  - {region: r, responder: a, from: yesterday, until: 2026-11-23T09:00:00+09:00}\n"
            "  - {region: r, responder: a, days: [mon], start: \"18:00\", end: \"09:00\"}\n"),
      bundle);
  EXPECT_THAT(std::string(rota.message()),
              HasSubstr("rota2.yaml:2: start: '25:00' is not a time of day"));
  EXPECT_THAT(std::string(rota.message()),
              HasSubstr("rota2.yaml:3: end: is required for a weekly entry"));
  EXPECT_THAT(std::string(rota.message()),
              HasSubstr("rota2.yaml:4: a rota entry is either weekly"));
  EXPECT_THAT(std::string(rota.message()),
              HasSubstr("rota2.yaml:5: from: 'yesterday' is not an RFC 3339"));
  EXPECT_THAT(std::string(rota.message()), HasSubstr("rota2.yaml:6: end: must be after start"));
  EXPECT_THAT(bundle.rota, IsEmpty());
}

TEST_F(TenancyTest, ImportsAreAudited) {
  ASSERT_THAT(ImportFiles({Write("team.yaml", kTeamYaml)}), IsOk());
  auto db = SqliteDb::Open(dir_.file("collector.db"), {});
  ASSERT_THAT(db, IsOk());
  auto stmt = (*db)->Prepare("SELECT actor, detail FROM audit_log WHERE action = 'import'");
  ASSERT_THAT(stmt, IsOk());
  auto row = stmt->Step();
  ASSERT_THAT(row, IsOk());
  ASSERT_TRUE(*row);
  EXPECT_EQ(stmt->Text(0), "test");
  EXPECT_EQ(stmt->Text(1), "1 regions, 1 tenants, 4 responders, 6 rota entries");
}

}  // namespace
}  // namespace otasuke::collector::tenancy
