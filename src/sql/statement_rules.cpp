// Which statement node types gatehouse knows, and how each is handled: the kind, and for DDL,
// privilege and role statements the verb and object type. Also PostgreSQL's OBJECT_* names.

#include <unordered_map>

#include "sql/tree_walk.h"

namespace gh::sql {

namespace {

using Rule = StatementRule;
using W = TreeWalk;
using K = StatementKind;
using V = DdlVerb;
using O = ObjectType;

// Statement node types and their handlers. A type missing here is kOther (and still walked
// for relations and functions).
const std::unordered_map<std::string_view, Rule>& statement_rules() {
  static const auto* rules = new std::unordered_map<std::string_view, Rule>{
      {"SelectStmt", {&W::on_select, K::kSelect}},
      {"InsertStmt", {&W::on_insert, K::kInsert}},
      {"UpdateStmt", {&W::on_update, K::kUpdate}},
      {"DeleteStmt", {&W::on_delete, K::kDelete}},
      {"MergeStmt", {&W::on_merge, K::kMerge}},

      {"CopyStmt", {&W::on_copy, K::kCopy}},
      {"ExplainStmt", {&W::on_explain, K::kExplain}},
      {"PrepareStmt", {&W::on_prepare, K::kPrepare}},
      {"ExecuteStmt", {&W::on_execute, K::kExecute}},
      {"DeallocateStmt", {&W::on_deallocate, K::kDeallocate}},
      {"DoStmt", {&W::on_do, K::kDoBlock}},
      {"CallStmt", {&W::on_call, K::kCall}},
      {"VariableSetStmt", {&W::on_variable_set, K::kSet}},
      {"ConstraintsSetStmt", {&W::on_generic, K::kSet}},
      {"VariableShowStmt", {&W::on_variable_show, K::kShow}},
      {"TransactionStmt", {&W::on_transaction, K::kTransaction}},
      {"ListenStmt", {&W::on_channel, K::kListen}},
      {"NotifyStmt", {&W::on_channel, K::kNotify}},
      {"UnlistenStmt", {&W::on_channel, K::kUnlisten}},
      {"TruncateStmt", {&W::on_truncate, K::kTruncate}},
      {"LockStmt", {&W::on_lock, K::kLock}},
      {"VacuumStmt", {&W::on_maintenance, K::kMaintenance}},
      {"ClusterStmt", {&W::on_maintenance, K::kMaintenance}},
      {"ReindexStmt", {&W::on_maintenance, K::kMaintenance}},
      {"RefreshMatViewStmt", {&W::on_maintenance, K::kMaintenance}},
      {"CheckPointStmt", {&W::on_maintenance, K::kMaintenance}},
      {"DiscardStmt", {&W::on_discard, K::kDiscard}},
      {"DeclareCursorStmt", {&W::on_cursor, K::kCursor}},
      {"FetchStmt", {&W::on_cursor, K::kCursor}},
      {"ClosePortalStmt", {&W::on_cursor, K::kCursor}},
      {"LoadStmt", {&W::on_load, K::kLoad}},
      {"AlterSystemStmt", {&W::on_alter_system, K::kAlterSystem}},

      {"CreateStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kTable}},
      {"CreateForeignTableStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kForeignTable}},
      {"AlterTableStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kTable}},
      {"AlterDomainStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kDomain}},
      {"IndexStmt", {&W::on_create_index, K::kDdl, V::kCreate, O::kIndex}},
      {"ViewStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kView}},
      {"CreateTableAsStmt", {&W::on_create_table_as, K::kDdl, V::kCreate, O::kTable}},
      {"CreateSeqStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kSequence}},
      {"AlterSeqStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kSequence}},
      {"CreateSchemaStmt", {&W::on_create_schema, K::kDdl, V::kCreate, O::kSchema}},
      {"CreatedbStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kDatabase}},
      {"DropdbStmt", {&W::on_ddl, K::kDdl, V::kDrop, O::kDatabase}},
      {"AlterDatabaseStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kDatabase}},
      {"AlterDatabaseSetStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kDatabase}},
      {"AlterDatabaseRefreshCollStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kDatabase}},
      {"CreateFunctionStmt",
       {&W::on_create_function, K::kCreateFunction, V::kCreate, O::kFunction}},
      {"AlterFunctionStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kFunction}},
      {"DropStmt", {&W::on_drop, K::kDdl, V::kDrop, O::kOther}},
      {"RenameStmt", {&W::on_rename, K::kDdl, V::kAlter, O::kOther}},
      {"AlterObjectSchemaStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kOther}},
      {"AlterOwnerStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kOther}},
      {"AlterObjectDependsStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kOther}},
      {"CommentStmt", {&W::on_ddl, K::kDdl, V::kComment, O::kOther}},
      {"SecLabelStmt", {&W::on_ddl, K::kDdl, V::kComment, O::kOther}},
      {"CreateTrigStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kTrigger}},
      {"CreateEventTrigStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kEventTrigger}},
      {"AlterEventTrigStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kEventTrigger}},
      {"RuleStmt", {&W::on_rule, K::kDdl, V::kCreate, O::kRule}},
      {"CreatePolicyStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kPolicy}},
      {"AlterPolicyStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kPolicy}},
      {"CreateExtensionStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kExtension}},
      {"AlterExtensionStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kExtension}},
      {"AlterExtensionContentsStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kExtension}},
      {"CreateDomainStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kDomain}},
      {"CompositeTypeStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kType}},
      {"CreateEnumStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kType}},
      {"CreateRangeStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kType}},
      {"AlterEnumStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kType}},
      {"AlterTypeStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kType}},
      {"DefineStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kOther}},
      {"CreatePLangStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kLanguage}},
      {"CreateCastStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kCast}},
      {"CreateConversionStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kConversion}},
      {"CreateOpClassStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kOperatorClass}},
      {"CreateOpFamilyStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kOperatorFamily}},
      {"AlterOpFamilyStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kOperatorFamily}},
      {"AlterOperatorStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kOperator}},
      {"CreateTableSpaceStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kTablespace}},
      {"DropTableSpaceStmt", {&W::on_ddl, K::kDdl, V::kDrop, O::kTablespace}},
      {"AlterTableSpaceOptionsStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kTablespace}},
      {"AlterTableMoveAllStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kTablespace}},
      {"CreateFdwStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kForeignDataWrapper}},
      {"AlterFdwStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kForeignDataWrapper}},
      {"CreateForeignServerStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kForeignServer}},
      {"AlterForeignServerStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kForeignServer}},
      {"CreateUserMappingStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kUserMapping}},
      {"AlterUserMappingStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kUserMapping}},
      {"DropUserMappingStmt", {&W::on_ddl, K::kDdl, V::kDrop, O::kUserMapping}},
      {"ImportForeignSchemaStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kForeignTable}},
      {"CreatePublicationStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kPublication}},
      {"AlterPublicationStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kPublication}},
      {"CreateSubscriptionStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kSubscription}},
      {"AlterSubscriptionStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kSubscription}},
      {"DropSubscriptionStmt", {&W::on_ddl, K::kDdl, V::kDrop, O::kSubscription}},
      {"CreateStatsStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kStatistics}},
      {"AlterStatsStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kStatistics}},
      {"CreateTransformStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kTransform}},
      {"CreateAmStmt", {&W::on_ddl, K::kDdl, V::kCreate, O::kAccessMethod}},
      {"AlterCollationStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kCollation}},
      {"AlterTSDictionaryStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kTextSearch}},
      {"AlterTSConfigurationStmt", {&W::on_ddl, K::kDdl, V::kAlter, O::kTextSearch}},

      {"GrantStmt", {&W::on_grant, K::kPrivilege, V::kGrant, O::kOther}},
      {"GrantRoleStmt", {&W::on_grant_role, K::kPrivilege, V::kGrant, O::kRole}},
      {"AlterDefaultPrivilegesStmt",
       {&W::on_default_privileges, K::kPrivilege, V::kGrant, O::kOther}},

      {"CreateRoleStmt", {&W::on_role, K::kRoleManagement, V::kCreate, O::kRole}},
      {"AlterRoleStmt", {&W::on_role, K::kRoleManagement, V::kAlter, O::kRole}},
      {"AlterRoleSetStmt", {&W::on_role, K::kRoleManagement, V::kAlter, O::kRole}},
      {"DropRoleStmt", {&W::on_role, K::kRoleManagement, V::kDrop, O::kRole}},
      {"DropOwnedStmt", {&W::on_role, K::kRoleManagement, V::kDrop, O::kRole}},
      {"ReassignOwnedStmt", {&W::on_role, K::kRoleManagement, V::kAlter, O::kRole}},
  };
  return *rules;
}

}  // namespace

const StatementRule* find_statement_rule(std::string_view type) {
  const auto& rules = statement_rules();
  auto it = rules.find(type);
  return it == rules.end() ? nullptr : &it->second;
}

ObjectType object_type_from(std::string_view objtype) {
  constexpr std::string_view kPrefix = "OBJECT_";
  if (objtype.substr(0, kPrefix.size()) != kPrefix) return ObjectType::kNone;
  static const auto* types = new std::unordered_map<std::string_view, ObjectType>{
      {"ACCESS_METHOD", O::kAccessMethod},
      {"AGGREGATE", O::kAggregate},
      {"AMOP", O::kOperatorFamily},
      {"AMPROC", O::kOperatorFamily},
      {"ATTRIBUTE", O::kType},
      {"CAST", O::kCast},
      {"COLUMN", O::kColumn},
      {"COLLATION", O::kCollation},
      {"CONVERSION", O::kConversion},
      {"DATABASE", O::kDatabase},
      {"DEFAULT", O::kColumn},
      {"DEFACL", O::kOther},
      {"DOMAIN", O::kDomain},
      {"DOMCONSTRAINT", O::kDomain},
      {"EVENT_TRIGGER", O::kEventTrigger},
      {"EXTENSION", O::kExtension},
      {"FDW", O::kForeignDataWrapper},
      {"FOREIGN_SERVER", O::kForeignServer},
      {"FOREIGN_TABLE", O::kForeignTable},
      {"FUNCTION", O::kFunction},
      {"INDEX", O::kIndex},
      {"LANGUAGE", O::kLanguage},
      {"LARGEOBJECT", O::kLargeObject},
      {"MATVIEW", O::kMaterializedView},
      {"OPCLASS", O::kOperatorClass},
      {"OPERATOR", O::kOperator},
      {"OPFAMILY", O::kOperatorFamily},
      {"PARAMETER_ACL", O::kOther},
      {"POLICY", O::kPolicy},
      {"PROCEDURE", O::kProcedure},
      {"PUBLICATION", O::kPublication},
      {"PUBLICATION_NAMESPACE", O::kPublication},
      {"PUBLICATION_REL", O::kPublication},
      {"ROLE", O::kRole},
      {"ROUTINE", O::kRoutine},
      {"RULE", O::kRule},
      {"SCHEMA", O::kSchema},
      {"SEQUENCE", O::kSequence},
      {"SUBSCRIPTION", O::kSubscription},
      {"STATISTIC_EXT", O::kStatistics},
      {"TABCONSTRAINT", O::kConstraint},
      {"TABLE", O::kTable},
      {"TABLESPACE", O::kTablespace},
      {"TRANSFORM", O::kTransform},
      {"TRIGGER", O::kTrigger},
      {"TSCONFIGURATION", O::kTextSearch},
      {"TSDICTIONARY", O::kTextSearch},
      {"TSPARSER", O::kTextSearch},
      {"TSTEMPLATE", O::kTextSearch},
      {"TYPE", O::kType},
      {"USER_MAPPING", O::kUserMapping},
      {"VIEW", O::kView},
  };
  auto it = types->find(objtype.substr(kPrefix.size()));
  return it == types->end() ? ObjectType::kOther : it->second;
}

bool is_relation_object(ObjectType t) {
  return t == O::kTable || t == O::kView || t == O::kMaterializedView || t == O::kIndex ||
         t == O::kSequence || t == O::kForeignTable;
}

}  // namespace gh::sql
